// One interface for every way of reaching nodes (local qemu VMs, ssh hosts, docker containers).
// Runs and faults only ever talk to a NodeDriver; target selection lives in harness/.
import type { Readable, Writable } from 'node:stream';
import { z } from 'zod';

/** a node's name as campaigns and inventories write it */
export const NodeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a node name (letters, digits, _ . -)');

export type DriverKind = 'local' | 'ssh' | 'docker';

export interface RailInfo {
  /** rail index: 0 is the primary, 1 the backup */
  index: number;
  /** the data netdev on the node, e.g. data0 / eth1 */
  netdev: string;
  /** IPv4 address with prefix, e.g. 10.77.0.1/24 */
  address: string;
  /** the RDMA device on this rail, e.g. rxe0; absent when the node has none */
  rdmaDevice?: string;
  /** RDMA port state as ibv reports it, e.g. ACTIVE, DOWN */
  portState?: string;
}

export interface NodeInfo {
  name: string;
  /** how the controller reaches it, e.g. 127.0.0.1:22001 or a container id */
  endpoint: string;
  rails: RailInfo[];
  state: 'ready' | 'booting' | 'down' | 'unknown';
}

export interface ExecOptions {
  /** streamed output as it arrives */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  stdin?: string | Buffer;
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Running it twice does no harm (mkdir -p, test, cat): when the connection drops while it
   * runs, the driver reconnects and runs it again instead of reporting its outcome unknown.
   */
  idempotent?: boolean;
}

export interface ExecResult {
  /** null when killed by a signal or timed out */
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

/** A long-running remote process (an agent): its stdio, and how it ended. */
export interface RemoteProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly exited: Promise<ExecResult>;
  /** drop the transport (ssh channel / exec stream); the remote side sees EOF */
  detach(): void;
}

export interface NodeDriver {
  readonly kind: DriverKind;
  /** the nodes this driver manages, with their rails */
  list(): Promise<NodeInfo[]>;
  /** run argv (an argument array, never a shell string) on a node */
  exec(node: string, argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** start a long-running process with piped stdio */
  spawn(node: string, argv: string[]): Promise<RemoteProcess>;
  upload(node: string, localPath: string, remotePath: string, mode?: number): Promise<void>;
  /** take a rail's link away below the guest (cable pull) and give it back */
  pullCable(node: string, rail: number): Promise<void>;
  restoreCable(node: string, rail: number): Promise<void>;
  /** release connections; does not tear the cluster down */
  close(): Promise<void>;
}

/** POSIX-shell quoting for one argument: the only place a command string is built. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
