// Jepsen's roles: a workload is {generator, client ops, model, checkers}. Generators yield plain
// op descriptors; the agent (the client) executes them and neither sleeps nor chooses ops.
// Generators that react to results (a reader polling a flag) get the last slice's outcomes.
import type { OpDescriptor } from '../agents/ops';
import type { WorkloadSpec } from '../harness/campaign/schema';
import type { HistoryEvent } from '../harness/history/schema';

export type CheckName = 'at-most-once' | 'linearizability' | 'stream';

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
  /** key (as the ops name it) and the value read, per word */
  decode(bytes: Buffer): { key: string; value: bigint }[];
}

export interface WorkloadPackage {
  readonly name: WorkloadSpec['workload'];
  readonly summary: string;
  /** the linearizability model for its keys */
  readonly model: string;
  readonly checks: readonly CheckName[];
  /** memory the target registers for it: name -> bytes */
  regions(spec: WorkloadSpec, estOps: number): Record<string, number>;
  generator(spec: WorkloadSpec, ctx: ProcessContext): Generator;
  /** the final snapshot; `used` is what the generators handed out, when it matters */
  snapshot(spec: WorkloadSpec, regions: Record<string, number>): SnapshotPart[];
  /** SEND workloads: the receiver drains and marks its streams */
  readonly twoSided?: boolean;
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
