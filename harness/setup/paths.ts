// Where setup keeps what it fetches and builds, and where a running local cluster keeps its
// state. Both are fixed, well-known places so that a second shell, the next run and the test
// suite all find the same kernel and the same running cluster.
//
//   cache dir  /var/cache/rdma-chaos   (RDMA_CHAOS_CACHE)  kernel tree, vmlinux, initramfs,
//              SSH keys. Rebuildable, survives reboots; `rdma-chaos setup` fills it.
//   state dir  /run/rdma-chaos/cluster (RDMA_CHAOS_STATE)  state.json with PIDs and ports,
//              per-node console.log, monitor and vde sockets. Runtime state only: /run is
//              the FHS place for things that mean nothing after a reboot.
import * as path from 'node:path';

export const DEFAULT_CACHE_DIR = '/var/cache/rdma-chaos';
export const DEFAULT_STATE_DIR = '/run/rdma-chaos/cluster';

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.RDMA_CHAOS_CACHE || DEFAULT_CACHE_DIR);
}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.RDMA_CHAOS_STATE || DEFAULT_STATE_DIR);
}

/** Everything setup produces, by name, so `--check` and the cluster look in the same places. */
export interface CachePaths {
  root: string;
  /** kernel.json: which kernel version setup prepared and where its files are */
  kernelManifest: string;
  kernelsDir: string;
  initramfs: string;
  /** inputs hash of the initramfs, to rebuild it when guest files or keys change */
  initramfsStamp: string;
  sshDir: string;
  clientKey: string;
  clientPub: string;
  hostKey: string;
  hostPub: string;
  /** result of the last KVM boot probe, so `--accel auto` does not re-probe every time */
  accelProbe: string;
}

export function cachePaths(root: string = cacheDir()): CachePaths {
  const ssh = path.join(root, 'ssh');
  return {
    root,
    kernelManifest: path.join(root, 'kernel.json'),
    kernelsDir: path.join(root, 'kernels'),
    initramfs: path.join(root, 'initramfs.cpio'),
    initramfsStamp: path.join(root, 'initramfs.stamp'),
    sshDir: ssh,
    clientKey: path.join(ssh, 'id_ed25519'),
    clientPub: path.join(ssh, 'id_ed25519.pub'),
    hostKey: path.join(ssh, 'ssh_host_ed25519_key'),
    hostPub: path.join(ssh, 'ssh_host_ed25519_key.pub'),
    accelProbe: path.join(root, 'accel-probe.json'),
  };
}

/** The repository root (holds package.json), from harness/ or dist/harness/. */
export function projectRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const parent = path.dirname(dir);
    if (path.basename(dir) === 'harness') {
      return path.basename(parent) === 'dist' ? path.dirname(parent) : parent;
    }
    dir = parent;
  }
  return path.resolve(__dirname, '..', '..');
}
