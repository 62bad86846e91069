// The data fabric of a local cluster: one virtual L2 segment per rail. Pluggable, because
// which backend survives sustained RDMA load is an open question (issue 7 compares vde_switch,
// tap devices on a bridge in a netns, and qemu's own stream/dgram netdevs; npm run bench:soak).
//   vde     one vde_switch process per rail; any number of nodes
//   bridge  one Linux bridge per rail in a netns of its own, a tap per node; any number of nodes
//   dgram   UDP multicast on the host loopback, one group per rail; any number of nodes
//   stream  a unix stream socket between two qemus; exactly 2 nodes (point-to-point)
import { InputError } from '../../../core';
import { isAlive } from '../procs';
import type { ClusterShape, FabricRecord } from '../state';
import { bridgeBackend } from './bridge';
import { dgramBackend } from './dgram';
import { streamBackend } from './stream';
import { vdeBackend } from './vde';

export interface FabricContext {
  stateDir: string;
  /** the string every process we start must carry in its command line */
  marker: string;
  /** nodes of the cluster (a point-to-point backend needs it) */
  nodes: number;
  /** persist the record now: called before and after each process starts */
  record: (r: FabricRecord) => void;
}

export interface FabricBackend {
  readonly name: string;
  /** programs this backend runs, for the /proc scan that finds unrecorded leftovers */
  readonly programs: readonly string[];
  /** what this host lacks to use the backend, or undefined */
  missing(): string | undefined;
  /** why this backend cannot serve the shape, or undefined */
  unsupported?(shape: ClusterShape): string | undefined;
  start(rail: number, ctx: FabricContext): Promise<FabricRecord>;
  /** qemu `-netdev` backend options (without id=) that attach node `nodeIndex` to this rail */
  netdev(rec: FabricRecord, nodeIndex: number): string;
  /**
   * Called after each node's qemu started, before the next one starts (nodes start in index
   * order): a backend whose later nodes connect to an earlier one waits for it here.
   */
  nodeStarted?(rec: FabricRecord, nodeIndex: number, startedAtMs: number): Promise<void>;
  /**
   * Nodes that must restart with the given ones (a point-to-point link whose listening end
   * restarts loses its peer for good). Indexes; includes the given ones.
   */
  restartWith?(nodeIndexes: readonly number[], allNodes: readonly number[]): number[];
  /** beyond its recorded processes living: is the rail still there (a netns someone deleted)? */
  alive?(rec: FabricRecord): boolean;
  /** teardown beyond killing recorded processes and removing recorded paths */
  stop?(rec: FabricRecord): Promise<void>;
  /**
   * Remove whatever this backend may have left for a state dir with no record of it (a
   * controller killed between creating something and recording it, a lost state.json).
   */
  sweep?(stateDir: string): Promise<void>;
  /**
   * Re-create the rail in place with every running node still attached. Without it, a
   * re-created rail needs its nodes restarted (their qemu cannot re-attach).
   */
  restart?(rec: FabricRecord, ctx: FabricContext): Promise<FabricRecord>;
  /**
   * Freeze the rail on purpose, silently (no carrier change in the guests): what a stuck
   * fabric looks like, for tests of the watchdog and the repair. thaw() undoes it; a re-created
   * rail is thawed anyway.
   */
  freeze?(rec: FabricRecord): Promise<void>;
  thaw?(rec: FabricRecord): Promise<void>;
}

const BACKENDS: Record<string, FabricBackend> = { vde: vdeBackend, bridge: bridgeBackend, dgram: dgramBackend, stream: streamBackend };

export const FABRIC_NAMES = Object.keys(BACKENDS);
/**
 * bridge, from npm run bench:soak (harness/cluster/bench/SOAK-RESULTS.md): alone at ~2-3k FADD/s
 * the vde rail froze after 4.2 min (guest TX queue never drained: NETDEV WATCHDOG), the bridge
 * ran 10 min and, side by side with the others, 30 min without a freeze at the same ops/s. A
 * bridge rail is also re-created in place (the taps re-enslaved) where vde restarts every node.
 */
export const DEFAULT_FABRIC = 'bridge';

export function fabricBackend(name: string): FabricBackend {
  const b = BACKENDS[name];
  if (!b) throw new InputError('cluster.badFabric', `fabric "${name}": expected one of ${FABRIC_NAMES.join(', ')}`);
  return b;
}

/** Every program any backend may run (down scans for all of them). */
export function fabricPrograms(): string[] {
  return [...new Set(Object.values(BACKENDS).flatMap((b) => b.programs))];
}

/** The rail's processes live and the backend finds its parts in place. */
export function fabricAlive(rec: FabricRecord): boolean {
  if (!rec.procs.every(isAlive)) return false;
  const b = BACKENDS[rec.backend];
  return b?.alive ? b.alive(rec) : true;
}

/** Every backend's sweep for a state dir (down runs it whatever the state file says). */
export async function sweepFabrics(stateDir: string): Promise<void> {
  for (const b of Object.values(BACKENDS)) await b.sweep?.(stateDir);
}
