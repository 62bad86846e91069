// The data fabric of a local cluster: one virtual L2 segment per rail. Pluggable, because
// which backend survives sustained RDMA load is an open question (issue 7 compares vde_switch,
// tap devices on a bridge in a netns, and qemu's own stream/dgram netdevs).
import { InputError } from '../../../errors';
import type { FabricRecord } from '../state';
import { vdeBackend } from './vde';

export interface FabricContext {
  stateDir: string;
  /** the string every process we start must carry in its command line */
  marker: string;
  /** persist the record now: called before and after each process starts */
  record: (r: FabricRecord) => void;
}

export interface FabricBackend {
  readonly name: string;
  /** programs this backend runs, for the /proc scan that finds unrecorded leftovers */
  readonly programs: readonly string[];
  /** what this host lacks to use the backend, or undefined */
  missing(): string | undefined;
  start(rail: number, ctx: FabricContext): Promise<FabricRecord>;
  /** qemu `-netdev` backend options (without id=) that attach node `nodeIndex` to this rail */
  netdev(rec: FabricRecord, nodeIndex: number): string;
  /** teardown beyond killing recorded processes and removing recorded paths */
  stop?(rec: FabricRecord): Promise<void>;
  /**
   * Re-create the rail in place with every running node still attached. Without it, a
   * re-created rail needs its nodes restarted (their qemu cannot re-attach).
   */
  restart?(rec: FabricRecord, ctx: FabricContext): Promise<FabricRecord>;
}

const BACKENDS: Record<string, FabricBackend> = { vde: vdeBackend };

export const FABRIC_NAMES = Object.keys(BACKENDS);
export const DEFAULT_FABRIC = 'vde';

export function fabricBackend(name: string): FabricBackend {
  const b = BACKENDS[name];
  if (!b) throw new InputError('cluster.badFabric', `fabric "${name}": expected one of ${FABRIC_NAMES.join(', ')}`);
  return b;
}

/** Every program any backend may run (down scans for all of them). */
export function fabricPrograms(): string[] {
  return [...new Set(Object.values(BACKENDS).flatMap((b) => b.programs))];
}
