// A stale write over a reused buffer: a data WRITE re-posted after its ACK was lost lands after
// the receiver, told by the flag that the data was there, has reused the buffer.
import type { PatternDef } from '../../harness/core';
import { evidence, involvedOps, reposted, why } from '../evidence';

export const MODEL = 'register';

export const staleWrite: PatternDef = {
  name: 'stale-write-over-reused-buffer',
  label: 'stale write over reused buffer',
  classify(v, ctx) {
    if (!(v.kind === 'nonlinearizable' && v.explanation?.model === MODEL)) return undefined;
    const { involved, near } = involvedOps(v, ctx);
    const e = evidence(near, ctx.faults, (op) => op.f === 'write');
    const same = (w: (typeof near)[number], r: (typeof near)[number]): boolean => w.f === 'write' && reposted(w) && w.key === r.key && JSON.stringify(w.value) === JSON.stringify(r.result);
    const reads = involved.filter((r) => r.f === 'read' && r.status === 'ok');
    // the re-posted write a stale read saw may be long-running (posted before the fault, landed
    // after the failover) and so outside the violation's neighbourhood: look it up by its value
    const staleRead = reads.some((r) => near.some((w) => same(w, r))) || reads.some((r) => ctx.ops.some((w) => same(w, r)));
    if (staleRead) return { pattern: this.label, confidence: 'match', because: `A read saw the value of a re-posted write after the buffer had been reused: ${why(e)}.` };
    if (e.failover.length) return { pattern: this.label, confidence: 'possible', because: `A read saw an overwritten value while ${why(e)}.` };
    return { confidence: 'none', because: 'A read saw an overwritten value (stale read); no re-posted write or failover is involved.' };
  },
};
