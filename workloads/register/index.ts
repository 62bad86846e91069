// register: RDMA WRITE and READ of tagged values. The flag-protected variant is a hand-off:
// the writer WRITEs data then a flag on one QP (RC executes them in order); the reader polls
// the flag, READs the data, then reuses the buffer with its own WRITE and READs it back. A
// replayed data WRITE landing after the reuse is a stale write over a reused buffer: one write
// would have to linearize both before the reader's first READ and after its reuse.
import { mulberry32 } from '../../harness/rng';
import type { OpDescriptor } from '../../agents/ops';
import { okResults } from '../results';
import { wordSnapshot, type WorkloadPackage } from '../types';
import { tag } from '../cas-register';

const REGION = 'reg';
/** flag-protected layout in the region: word 0 the data buffer, word 1 the flag */
export const DATA = 0;
export const FLAG = 8;

export const register: WorkloadPackage = {
  name: 'register',
  summary: 'RDMA WRITE/READ of tagged values; flag-protected: data then flag, the reader reusing the buffer',
  model: 'register',
  checks: ['at-most-once', 'linearizability'],
  regions(spec) {
    return { [REGION]: (spec.variant === 'flag-protected' ? 2 : Math.max(1, spec.keys)) * 8 };
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
    return [wordSnapshot(REGION, 0, spec.variant === 'flag-protected' ? 2 : Math.max(1, spec.keys))];
  },
};

/** k-th hand-off: data then flag (= k), back to back on the same QP */
function writer(index: number) {
  let k = 0;
  return {
    next(max: number): OpDescriptor[] {
      const ops: OpDescriptor[] = [];
      while (ops.length + 2 <= Math.max(2, max)) {
        k++;
        ops.push({ f: 'write', region: REGION, offset: DATA, len: 8, value: tag(index, k) });
        ops.push({ f: 'write', region: REGION, offset: FLAG, len: 8, value: BigInt(k) });
      }
      return ops;
    },
  };
}

/** polls the flag; on a new hand-off reads the data, reuses the buffer, reads it back */
function reader(index: number) {
  let handled = 0n;
  let j = 0;
  return {
    next(_max: number, last: readonly import('../../harness/history/schema').HistoryEvent[]): OpDescriptor[] {
      const flags = last.filter((e) => e.type === 'ok' && e.f === 'read' && e.key === `${REGION}@${FLAG}`);
      const flag = okResults(flags, 'read').pop();
      if (flag !== undefined && flag > handled) {
        handled = flag;
        return [
          { f: 'read', region: REGION, offset: DATA, len: 8 },
          { f: 'write', region: REGION, offset: DATA, len: 8, value: tag(index, j++), barrier: true },
          { f: 'read', region: REGION, offset: DATA, len: 8, barrier: true },
          { f: 'read', region: REGION, offset: FLAG, len: 8, barrier: true },
        ];
      }
      return [{ f: 'read', region: REGION, offset: FLAG, len: 8 }];
    },
  };
}
