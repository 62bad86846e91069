// The local cluster: qemu microVMs running Debian's kernel with the real rdma_rxe.
//   clusterUp / ensureCluster   boot (or reuse) the cluster in the state dir
//   openLocalDriver             a NodeDriver for the running cluster (runs, tests, benches)
//   clusterDown                 stop everything, also after a controller died mid-boot
import * as path from 'node:path';
import { InputError } from '../../core';
import { cachePaths, stateDir as defaultStateDir, type CachePaths } from '../../setup';
import { LocalDriver } from './driver';
import { fabricAlive } from './fabric';
import { isAlive } from './procs';
import { readState, type ClusterState } from './state';

export type { AccelMode } from './accel';
export { DEFAULT_SSH_PORT_BASE, railAddress, type UpOptions } from './config';
export { clusterDown, type DownReport } from './down';
export { LocalDriver, inventoryFor } from './driver';
export { DEFAULT_FABRIC, FABRIC_NAMES, type FabricBackend } from './fabric';
export { isAlive, scanOwned, type OwnedProc } from './procs';
export { lockFile, type LockOptions } from './lock';
export { READY_MARK } from './qemu';
export { probePorts } from './ready';
export { readState, stateFile, type ClusterState, type NodeRecord, type RailRecord } from './state';
export { clusterUp, ensureCluster, type NodeTiming, type UpResult } from './up';

export interface LocalClusterStatus {
  stateDir: string;
  running: boolean;
  state?: ClusterState;
  /** per node: its qemu is alive */
  alive: Record<string, boolean>;
}

/** What state.json says and which processes still live; no SSH. */
export function localStatus(dir: string = defaultStateDir()): LocalClusterStatus {
  const stateDir = path.resolve(dir);
  const state = readState(stateDir);
  const alive: Record<string, boolean> = {};
  for (const n of state?.nodes ?? []) alive[n.name] = n.proc !== undefined && isAlive(n.proc);
  const fabricsAlive = (state?.fabrics ?? []).every(fabricAlive);
  const running = state?.phase === 'ready' && fabricsAlive && Object.values(alive).every(Boolean);
  return { stateDir, running, state, alive };
}

/** A driver for the running local cluster; InputError cluster.notRunning when there is none. */
export function openLocalDriver(opts: { stateDir?: string; cache?: CachePaths; nodesDown?: boolean } = {}): LocalDriver {
  const st = localStatus(opts.stateDir);
  // `nodesDown`: a booted cluster with crashed nodes is still one to power them on in
  const usable = st.running || (opts.nodesDown === true && st.state?.phase === 'ready' && st.state.fabrics.every(fabricAlive));
  if (!usable || !st.state) {
    const why = st.state ? `it is ${st.state.phase === 'ready' ? 'partly dead' : st.state.phase}` : 'none found';
    throw new InputError('cluster.notRunning', `no running local cluster in ${st.stateDir} (${why}); start one with: rdma-chaos cluster up`);
  }
  return new LocalDriver(st.state, opts.cache ?? cachePaths());
}
