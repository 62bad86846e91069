// The one state directory of a local cluster. state.json records every process as soon as it
// starts (so `cluster down` can clean up after a controller killed mid-boot), the shape, the
// ports, and per-node paths. A lock file keeps two controllers from booting at once.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../core';
import { lockFile } from './lock';
import { type OwnedProc } from './procs';
import type { QemuNodeSpec } from './qemu';
import writeFileAtomic from 'write-file-atomic';

export interface RailRecord {
  index: number;
  netdev: string;
  /** e.g. 10.77.0.1/24 */
  address: string;
  mac: string;
  rdmaDevice: string;
}

export interface NodeRecord {
  name: string;
  /** 1-based */
  index: number;
  sshPort: number;
  dir: string;
  consoleLog: string;
  monitorSock: string;
  serialSock: string;
  qemuLog: string;
  rails: RailRecord[];
  /** undefined while the node is down (crashed, or not started yet) */
  proc?: OwnedProc;
  /** how its qemu was started, for restarts (absent in clusters booted by older versions) */
  spec?: QemuNodeSpec;
}

export interface FabricRecord {
  rail: number;
  backend: string;
  procs: OwnedProc[];
  /** files and sockets the backend made */
  paths: string[];
  /** backend-specific values (socket paths, addresses) */
  data: Record<string, string>;
}

export interface ClusterShape {
  nodes: number;
  rails: number;
}

export interface ClusterState {
  version: 1;
  stateDir: string;
  phase: 'booting' | 'ready' | 'failed';
  shape: ClusterShape;
  accel: 'kvm' | 'tcg';
  fabric: string;
  kernel: string;
  createdAt: string;
  readyAt?: string;
  /** seconds from the first qemu start to usable */
  bootSeconds?: number;
  controller?: OwnedProc;
  /** the KVM probe VM while it runs */
  probe?: OwnedProc;
  fabrics: FabricRecord[];
  nodes: NodeRecord[];
}

export const stateFile = (dir: string): string => path.join(dir, 'state.json');

/** The marker every process of this cluster carries in its command line. */
export const ownMarker = (dir: string): string => path.join(dir, '/');

export function readState(dir: string): ClusterState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(stateFile(dir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const s = JSON.parse(text) as ClusterState;
    return s.version === 1 && Array.isArray(s.nodes) ? s : undefined;
  } catch {
    // a torn write cannot happen (rename), so this is someone else's file: say so
    throw new InputError('cluster.badState', `${stateFile(dir)}: not a rdma-chaos cluster state file`);
  }
}

/** Atomic and synced (write-file-atomic: a unique temp name, fsync, rename, no temp left on error). */
export function writeState(s: ClusterState): void {
  writeFileAtomic.sync(stateFile(s.stateDir), JSON.stringify(s, null, 2) + '\n');
}

export function allProcs(s: ClusterState): OwnedProc[] {
  return [
    ...(s.probe ? [s.probe] : []),
    ...s.nodes.flatMap((n) => (n.proc ? [n.proc] : [])),
    ...s.fabrics.flatMap((f) => f.procs),
  ];
}

/**
 * Take the state dir's lock; a holder that died (even by SIGKILL) is detected by its PID and
 * start time, and its lock is taken over. Waits up to waitMs for a live holder.
 */
export async function lockState(dir: string, what: string, waitMs = 120_000): Promise<() => void> {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  } catch (e: unknown) {
    throw new InputError('cluster.stateDir', `${dir}: cannot create the state dir (${(e as NodeJS.ErrnoException).code}); run as root or set RDMA_CHAOS_STATE`);
  }
  return lockFile(path.join(dir, 'lock'), what, {
    waitMs,
    busy: (holder) => new InputError('cluster.busy', `${dir}: ${holder ? `${holder.role} (pid ${holder.pid})` : 'another rdma-chaos'} is working on this cluster; try again when it is done`),
    cannot: (code) => new InputError('cluster.stateDir', `${path.join(dir, 'lock')}: cannot take the lock (${code}); run as root or set RDMA_CHAOS_STATE`),
  });
}
