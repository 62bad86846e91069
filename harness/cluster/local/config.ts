// Options of `cluster up`, their defaults, and the checks that run before anything starts, so
// that a missing qemu, kernel or port fails with one line and leaves nothing running.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { InputError } from '../../core';
import { cachePaths, checkKernel, stateDir as defaultStateDir, ensureInitramfs, readKernelManifest, sshKeysPresent, which, type CachePaths, type KernelManifest } from '../../setup';
import type { AccelMode } from './accel';
import { DEFAULT_FABRIC, fabricBackend, type FabricBackend } from './fabric';
import { checkSocketPath } from './qemu';

export interface UpOptions {
  /** default 3 */
  nodes?: number;
  /** data rails per node, 1 or 2; default 2 (failover needs the second) */
  rails?: number;
  accel?: AccelMode;
  /** default RDMA_CHAOS_STATE or /run/rdma-chaos/cluster */
  stateDir?: string;
  cache?: CachePaths;
  /** node i gets sshPortBase + i on 127.0.0.1; default RDMA_CHAOS_SSH_PORT_BASE or 22100 */
  sshPortBase?: number;
  /** per node: qemu start to READY, sshd answering and every port ACTIVE; default 180 s
   * under TCG, 60 s under KVM (where a boot takes a few seconds) */
  bootTimeoutMs?: number;
  /** data fabric backend (fabric/index.ts); default RDMA_CHAOS_FABRIC or DEFAULT_FABRIC */
  fabric?: string;
  /** default 512 */
  memoryMb?: number;
  /** default RDMA_CHAOS_QEMU or qemu-system-x86_64 from PATH */
  qemuBinary?: string;
  extraKernelArgs?: string[];
  /** how long to wait for another controller working on the same state dir; default 120 s */
  lockWaitMs?: number;
  /** progress lines */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface UpConfig {
  nodes: number;
  rails: number;
  accel: AccelMode;
  stateDir: string;
  cache: CachePaths;
  sshPortBase: number;
  /** undefined: the accelerator's default */
  bootTimeoutMs?: number;
  fabric: FabricBackend;
  /** --fabric was given: a running cluster on another fabric is not reused */
  fabricExplicit: boolean;
  memoryMb: number;
  qemuBinary: string;
  extraKernelArgs: string[];
  kernel: KernelManifest;
  lockWaitMs: number;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export const DEFAULT_SSH_PORT_BASE = 22100;
export const MAX_NODES = 8;
export const MAX_RAILS = 2;

export function bootTimeoutFor(cfg: UpConfig, accel: 'kvm' | 'tcg'): number {
  return cfg.bootTimeoutMs ?? (accel === 'kvm' ? 60_000 : 180_000);
}

/** Rail k uses 10.(77+k).0.0/24; node i is .i */
export function railAddress(rail: number, nodeIndex: number): string {
  return `10.${77 + rail}.0.${nodeIndex}/24`;
}

function intIn(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new InputError('cluster.badOption', `--${name} ${v}: expected an integer from ${lo} to ${hi}`);
  return v;
}

/** Validate options and check the host: nothing is started here. */
export async function resolveUpConfig(o: UpOptions): Promise<UpConfig> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    // the setup cache (keys, initramfs) and the state dir under /run are root's
    throw new InputError('cluster.notRoot', 'cluster up must run as root (sudo rdma-chaos cluster up)');
  }
  const nodes = intIn('nodes', o.nodes ?? 3, 1, MAX_NODES);
  const rails = intIn('rails', o.rails ?? 2, 1, MAX_RAILS);
  const accel = o.accel ?? 'auto';
  if (!['auto', 'kvm', 'tcg'].includes(accel)) throw new InputError('cluster.badOption', `--accel ${accel}: expected auto, kvm or tcg`);
  // RDMA_CHAOS_SSH_PORT_BASE: a second suite-style cluster (own RDMA_CHAOS_STATE) beside the usual one
  const envBase = process.env.RDMA_CHAOS_SSH_PORT_BASE ? Number(process.env.RDMA_CHAOS_SSH_PORT_BASE) : undefined;
  const sshPortBase = intIn('ssh-port-base', o.sshPortBase ?? envBase ?? DEFAULT_SSH_PORT_BASE, 1024, 65535 - nodes);
  const stateDir = path.resolve(o.stateDir ?? defaultStateDir());
  const cache = o.cache ?? cachePaths();
  // RDMA_CHAOS_FABRIC: run a whole suite on another backend without touching its code
  const fabric = fabricBackend(o.fabric ?? (process.env.RDMA_CHAOS_FABRIC || DEFAULT_FABRIC));

  const qemuName = o.qemuBinary ?? process.env.RDMA_CHAOS_QEMU ?? 'qemu-system-x86_64';
  const qemuBinary = which(qemuName);
  if (!qemuBinary) {
    throw new InputError('cluster.noQemu', `${qemuName} not found (package qemu-system-x86): run rdma-chaos setup`);
  }
  const fabricMissing = fabric.missing();
  if (fabricMissing) throw new InputError('cluster.noFabric', fabricMissing);
  const unsupported = fabric.unsupported?.({ nodes, rails });
  if (unsupported) throw new InputError('cluster.badFabric', unsupported);

  const k = checkKernel(cache);
  const kernel = readKernelManifest(cache);
  if (!k.ok || !kernel) {
    throw new InputError('cluster.noKernel', `${k.problem ?? 'no guest kernel'}: run rdma-chaos setup (cache ${cache.root})`);
  }
  if (!sshKeysPresent(cache)) throw new InputError('cluster.noKernel', `no SSH keys in ${cache.sshDir}: run rdma-chaos setup`);
  // guest files may have changed since setup (a checkout): rebuilding takes a second
  await ensureInitramfs({ kernel, paths: cache });

  for (let i = 1; i <= nodes; i++) {
    for (const f of ['mon.sock', 'serial.sock']) checkSocketPath(path.join(stateDir, `node${i}`, f));
  }
  return {
    nodes, rails, accel, stateDir, cache, sshPortBase, fabric, qemuBinary, kernel,
    fabricExplicit: o.fabric !== undefined,
    bootTimeoutMs: o.bootTimeoutMs,
    memoryMb: intIn('memory', o.memoryMb ?? 512, 256, 8192),
    // RDMA_CHAOS_KERNEL_ARGS: e.g. "rdmachaos.debug=1" to profile the guest boot
    extraKernelArgs: [...(process.env.RDMA_CHAOS_KERNEL_ARGS ?? '').split(/\s+/).filter(Boolean), ...(o.extraKernelArgs ?? [])],
    lockWaitMs: o.lockWaitMs ?? 120_000,
    log: o.log ?? (() => undefined),
    signal: o.signal,
  };
}

/** Fail before booting when a forwarded SSH port is taken (qemu would die with a vaguer error). */
export async function checkPortsFree(base: number, nodes: number): Promise<void> {
  for (let i = 1; i <= nodes; i++) {
    const port = base + i;
    const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const s = net.createServer();
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e));
      s.listen({ host: '127.0.0.1', port, exclusive: true }, () => s.close(() => resolve(undefined)));
    });
    if (err) {
      throw new InputError(
        'cluster.portInUse',
        `127.0.0.1:${port} (SSH of node${i}) is in use (${err.code}); free it or pick another --ssh-port-base`,
      );
    }
  }
}

export function ensureDir(d: string): void {
  fs.mkdirSync(d, { recursive: true, mode: 0o755 });
}
