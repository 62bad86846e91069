// register: RDMA WRITE and READ of tagged values. The flag-protected variant is a hand-off:
// the writer WRITEs data then a flag on one QP (RC executes them in order); the reader polls
// the flag, READs the data, then reuses the buffer with its own WRITE and READs it back. A
// replayed data WRITE landing after the reuse is a stale write over a reused buffer: one write
// would have to linearize both before the reader's first READ and after its reuse.
import { z } from 'zod';
import type { OpDescriptor } from '../../agents';
import { mulberry32, type HistoryEvent } from '../../harness/core';
import { tag } from '../cas-register';
import { okResults } from '../results';
import { Reads, wordSnapshot, type WorkloadPackage } from '../types';
import { MODEL, staleWrite } from './patterns';

const Params = z
  .object({
    reads: Reads,
    /** write data then a flag, the receiver reusing the buffer after the flag */
    variant: z.enum(['plain', 'flag-protected']).default('plain'),
  })
  .strict();

const REGION = 'reg';
/** flag-protected layout in the region: the data buffer, the flag, the reader's ack */
export const DATA = 0;
export const FLAG = 8;
export const ACK = 16;

export const register: WorkloadPackage<z.infer<typeof Params>> = {
  name: 'register',
  summary: 'RDMA WRITE/READ of tagged values; flag-protected: data then flag, the reader reusing the buffer',
  params: Params,
  model: MODEL,
  checks: ['at-most-once', 'linearizability'],
  patterns: [staleWrite],
  misplaced(spec, at) {
    if (spec.variant === 'flag-protected' && at.clients.length < 2 && at.nodes < 3) return { field: 'variant', message: 'flag-protected needs a writer and a reader client: at least 3 nodes or 2 clients' };
    return undefined;
  },
  // one hand-off at a time: the reader must see each flag before the writer's next
  sliceSize(spec) {
    return spec.variant === 'flag-protected' ? 4 : undefined;
  },
  regions(spec) {
    return { [REGION]: (spec.variant === 'flag-protected' ? 3 : Math.max(1, spec.keys)) * 8 };
  },
  generator(spec, ctx) {
    const rng = mulberry32(ctx.seed);
    if (spec.variant === 'flag-protected') return ctx.index % 2 === 0 ? writer(ctx.index) : reader(ctx.index);
    const keys = Math.max(1, spec.keys);
    let j = 0;
    return {
      next(max) {
        const ops: OpDescriptor[] = [];
        for (let n = 0; n < max; n++) {
          const offset = Math.floor(rng() * keys) * 8;
          ops.push(rng() < (spec.reads || 0.5) ? { f: 'read', region: REGION, offset, len: 8 } : { f: 'write', region: REGION, offset, len: 8, value: tag(ctx.index, j++) });
        }
        return ops;
      },
    };
  },
  snapshot(spec) {
    return [wordSnapshot(REGION, 0, spec.variant === 'flag-protected' ? 3 : Math.max(1, spec.keys))];
  },
};

/**
 * k-th hand-off: data then flag (= k), back to back on the same QP, then READ the reader's ack
 * until it reaches k. Both WRITEs are in flight together, so an ACK loss catches both.
 */
function writer(index: number) {
  let k = 0;
  let acked = 0n;
  return {
    next(_max: number, last: readonly HistoryEvent[]): OpDescriptor[] {
      const ack = okResults(last.filter((e) => e.key === `${REGION}@${ACK}`), 'read').pop();
      if (ack !== undefined && ack > acked) acked = ack;
      if (BigInt(k) > acked) return [{ f: 'read', region: REGION, offset: ACK, len: 8 }];
      k++;
      return [
        { f: 'write', region: REGION, offset: DATA, len: 8, value: tag(index, k) },
        { f: 'write', region: REGION, offset: FLAG, len: 8, value: BigInt(k) },
      ];
    },
  };
}

/**
 * polls the flag and the data; on a new hand-off reads the data, reuses the buffer and reads
 * it back. Every poll reads the data too: a stale write that lands after the reuse is seen
 * before the writer's next hand-off covers it.
 */
function reader(index: number) {
  let handled = 0n;
  let j = 0;
  return {
    next(_max: number, last: readonly HistoryEvent[]): OpDescriptor[] {
      const flags = last.filter((e) => e.type === 'ok' && e.f === 'read' && e.key === `${REGION}@${FLAG}`);
      const flag = okResults(flags, 'read').pop();
      if (flag !== undefined && flag > handled) {
        handled = flag;
        return [
          { f: 'read', region: REGION, offset: DATA, len: 8 },
          { f: 'write', region: REGION, offset: DATA, len: 8, value: tag(index, j++), barrier: true },
          { f: 'read', region: REGION, offset: DATA, len: 8, barrier: true },
          { f: 'write', region: REGION, offset: ACK, len: 8, value: flag, barrier: true },
          { f: 'read', region: REGION, offset: DATA, len: 8, barrier: true },
        ];
      }
      return [
        { f: 'read', region: REGION, offset: FLAG, len: 8 },
        { f: 'read', region: REGION, offset: DATA, len: 8 },
      ];
    },
  };
}
