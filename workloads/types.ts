// Jepsen's roles: a workload is {generator, client ops, model, checkers}. Generators yield plain
// op descriptors; the agent (the client) executes them and neither sleeps nor chooses ops.
// Generators that react to results (a reader polling a flag) get the last slice's outcomes.
// A package owns everything it knows: its own campaign fields, memory, receive depth, slice
// size, generator, model, checks and the failure patterns it can show.
import { z } from 'zod';
import type { OpDescriptor } from '../agents';
import { NodeName, type Cache, type CheckName, type HistoryEvent, type Operation, type PatternDef } from '../harness/core';

/** The fields every workload entry of a campaign has; a package adds its own (`params`). */
export const WorkloadCommon = z.object({
  workload: z.string(),
  /** nodes running clients (default: every node but the target) */
  clients: z.array(NodeName).min(1).optional(),
  /** the node whose memory the ops target (a SEND workload: the receiver) */
  target: NodeName.optional(),
  /** client processes per client node */
  concurrency: z.number().int().min(1).max(64).default(1),
  /** ops per second per process; 0 = as fast as the transport goes */
  rate: z.number().min(0, 'rate must not be negative').default(0),
  /** registers / counters / streams to spread ops over */
  keys: z.number().int().min(1).max(1 << 20).default(1),
  /** outstanding ops per process */
  depth: z.number().int().min(1).max(4096).default(16),
  /** ops per slice sent to an agent at a time */
  slice: z.number().int().min(1).max(1 << 20).optional(),
});
export type WorkloadCommon = z.infer<typeof WorkloadCommon>;

/** a workload entry as validated: the common fields and the package's own */
export type WorkloadSpec<P extends object = object> = WorkloadCommon & P;

/** what one client process needs to know to generate its ops */
export interface ProcessContext {
  seed: number;
  /** index of this process among the workload's processes, and how many there are */
  index: number;
  count: number;
  node: string;
  target: string;
  /** the workload's regions on the target: name -> size in bytes */
  regions: Record<string, number>;
}

export interface Generator {
  /**
   * up to `max` ops for the next slice; [] when the process is done. `last` holds the
   * completions of the previous slice, for generators that react to what they read.
   */
  next(max: number, last: readonly HistoryEvent[]): OpDescriptor[];
}

/** a region to read at the end, and how its bytes become final reads per key */
export interface SnapshotPart {
  region: string;
  offset: number;
  length: number;
  /** key (as the ops name it) and the value read, per word; or the bytes, per block */
  decode(bytes: Buffer): ({ key: string; value: bigint } | { key: string; bytes: Buffer })[];
}

/** which of a workload's peers a snapshot is of */
export interface SnapshotOf {
  peer: string;
  /** its place among the workload's peers (0: the first) */
  index: number;
}

/**
 * A protocol workload's view of the run. Its roles react across several peers at once (a Disk
 * Paxos processor writes to a majority of disks before it reads), so the package drives them
 * itself; the run posts their ops through the agents (policy, timeouts, reconnects, a crashed
 * node's next agent) and records everything, as for any workload.
 */
export interface DriveContext {
  seed: number;
  /** the workload's client nodes and the nodes they reach, in the campaign's order */
  clients: readonly string[];
  peers: readonly string[];
  /** ops from `node`'s agent to `peer`: each op's completion, in op order, with its invoke's time */
  post(node: string, peer: string, ops: OpDescriptor[]): Promise<{ done: HistoryEvent; invoked: number; completed: number }[]>;
  /** the receives `node`'s agent recorded since the last call (ok recv completions, with their bytes on recvBytes connections) */
  received(node: string): HistoryEvent[];
  /** how many times `node`'s agent was replaced after its node restarted (0: the first agent) */
  incarnation(node: string): number;
  /** `cb` runs after each fault change, with its label ("f1@start"): a snapshot of the roles' state there */
  onFaultBoundary(cb: (label: string) => Promise<void> | void): void;
  /** bytes of a peer's registered region, read by its agent (fails once that memory died) */
  readMemory(peer: string, region: string, offset: number, length: number): Promise<Buffer>;
  /** the workload's own events (its decisions), as they are; times on the history clock (now) */
  record(events: HistoryEvent[]): void;
  now(): number;
  /** a history process for the workload's own events: k in [0, 1000) */
  process(k: number): number;
  /** false once the run's workload time is over or it was stopped */
  going(): boolean;
  log(line: string): void;
}

/** a protocol workload's invariants over its part of the history (op ids index the history's ops) */
export interface InvariantCheck {
  summary: string;
  /** why nothing is certified (nothing was decided, the history is out of shape): verdict unknown */
  unknown?: string;
  violations: { message: string; ops: number[] }[];
  /**
   * A reconfigurable log's cache tree, rebuilt from the history for the cache-tree checker: its
   * caches, the op that recorded each (a violation names them) and the initial configuration.
   */
  cacheTree?: { initial: string[]; caches: Cache[]; opOf: ReadonlyMap<string, number> };
}

/** the process ids of workloads' own events: 1000 per workload, below the snapshot reader's */
export const OWN_PROCESS_BASE = 800_000_000;
export const ownProcess = (workload: number, k: number): number => OWN_PROCESS_BASE + workload * 1000 + k;
/** the k of an ownProcess id (a decide event's processor or proposer) */
export const ownK = (process: number): number => (process - OWN_PROCESS_BASE) % 1000;

/** a protocol's own event that happens at one instant (a decision, a restart, a snapshot read): its invoke and its ok */
export function instant(e: Omit<HistoryEvent, 'type' | 'time' | 'result'>, t: number, result?: HistoryEvent['result']): HistoryEvent[] {
  return [{ type: 'invoke', ...e, time: t }, { type: 'ok', ...e, ...(result !== undefined ? { result } : {}), time: t + 1 }];
}

/**
 * A message-passing protocol's placement: its nodes named in clients, at least three (so a
 * majority survives one lost node), one role per node.
 */
export function oneRolePerClient(spec: WorkloadSpec<object>, workload: string, role: string): { field: string; message: string } | undefined {
  if (!spec.clients) return { field: 'clients', message: `${workload}: name the ${role}s' nodes in clients (each one ${role})` };
  if (spec.clients.length < 3) return { field: 'clients', message: `${workload}: at least 3 ${role}s, so a majority survives one lost node` };
  if (spec.concurrency !== 1) return { field: 'concurrency', message: `${workload}: one ${role} per node (concurrency 1)` };
  return undefined;
}

/** the cluster a workload entry is placed on, for its own cross-field rules */
export interface Placement {
  nodes: number;
  target: string;
  clients: string[];
}

export interface WorkloadPackage<P extends object = object> {
  readonly name: string;
  readonly summary: string;
  /** its own fields of a campaign's workload entry (a strict object, with defaults) */
  readonly params: z.ZodType<P>;
  /** the linearizability model for its keys (none: a protocol workload, whose ops go to its own check) */
  readonly model?: string;
  readonly checks: readonly CheckName[];
  /** the failure patterns its violations can show, as data for the checking side */
  readonly patterns: readonly PatternDef[];
  /** SEND workloads: the receiver drains and marks its streams, one per client */
  readonly twoSided?: boolean;
  /**
   * each client's QPs toward a peer are its own pair, not shared with that peer's traffic back
   * (a protocol whose nodes are clients and peers of each other; one-sided only)
   */
  readonly ownPairs?: boolean;
  /** two-sided protocol messages: receives are recorded with their bytes */
  readonly recvBytes?: boolean;
  /**
   * a peer whose memory died with its node is failed for good to this protocol (Disk Paxos's
   * failed disk): the node's agent comes back as a client only, its ops to that memory fail
   * unposted, and the final snapshot leaves it out. Without it, such a node is not revived.
   */
  readonly memoryMayDie?: boolean;
  /** a field that cannot work on this placement: its name and why */
  misplaced?(spec: WorkloadSpec<P>, at: Placement): { field: string; message: string } | undefined;
  /** memory the target registers for it: name -> bytes */
  regions(spec: WorkloadSpec<P>, estOps: number): Record<string, number>;
  /** receive buffers the target posts per client connection (two-sided workloads) */
  recvDepth?(spec: WorkloadSpec<P>): number;
  /** ops per slice when the campaign sets none; undefined: half a second of work at the rate */
  sliceSize?(spec: WorkloadSpec<P>, processesHere: number): number | undefined;
  /** a client process's ops (every workload but a protocol one, which has `drive`) */
  generator?(spec: WorkloadSpec<P>, ctx: ProcessContext): Generator;
  /** the final snapshot of its memory on one of its peers */
  snapshot(spec: WorkloadSpec<P>, regions: Record<string, number>, of: SnapshotOf): SnapshotPart[];
  /** the nodes each client reaches, each with the regions (default: the target alone) */
  peers?(spec: WorkloadSpec<P>, at: Placement): string[];
  /** the (from, to) QP pairs it uses, from a client to a peer (default: every client to every peer) */
  links?(spec: WorkloadSpec<P>, at: Placement): [string, string][];
  /** a protocol workload: runs its roles over the agents until `ctx.going()` says stop; returns a line for the log */
  drive?(spec: WorkloadSpec<P>, ctx: DriveContext): Promise<string>;
  /** the history keys it owns, as prefixes ending in '@' or whole keys (default: its regions' words, its streams) */
  keys?(spec: WorkloadSpec<P>, at: Placement): string[];
  /** its own invariants over the ops on its keys (the `invariants` check); its ops go to no other check */
  check?(spec: WorkloadSpec<P>, ops: readonly Operation[], at: Placement & { workload: number }): InvariantCheck;
}

/** reads 8-byte little-endian words as keys `${region}@${offset}` */
export function wordSnapshot(region: string, offset: number, words: number): SnapshotPart {
  return {
    region,
    offset,
    length: words * 8,
    decode(bytes) {
      const out: { key: string; value: bigint }[] = [];
      for (let i = 0; i < words; i++) out.push({ key: `${region}@${offset + i * 8}`, value: bytes.readBigUInt64LE(i * 8) });
      return out;
    },
  };
}

/** the share of reads among a workload's ops: a field several packages take */
export const Reads = z.number().min(0).max(1).default(0);
