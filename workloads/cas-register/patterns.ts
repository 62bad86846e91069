// A CAS that succeeded twice: re-posted after its ACK was lost, it found the value a concurrent
// reset had put back (ABA), so one CAS swapped twice.
import type { PatternDef } from '../../harness/core';
import { evidence, involvedOps, why } from '../evidence';

export const MODEL = 'cas-register';

export const casDoubleSuccess: PatternDef = {
  name: 'cas-double-success',
  label: 'CAS double success',
  classify(v, ctx) {
    const { involved, near } = involvedOps(v, ctx);
    if (!((v.kind === 'duplicate' && involved.some((op) => op.f === 'cas')) || (v.kind === 'nonlinearizable' && v.explanation?.model === MODEL))) return undefined;
    const e = evidence(near, ctx.faults, (op) => op.f === 'cas' && op.status === 'ok');
    const successes = involved.filter((op) => op.f === 'cas' && op.status === 'ok' && Array.isArray(op.value) && (op.result === true || JSON.stringify(op.result) === JSON.stringify(op.value[0])));
    if (successes.length && (e.repost.length || e.failover.length)) return { pattern: this.label, confidence: 'match', because: `A CAS succeeded where only one could: ${why(e)}.` };
    if (v.kind === 'duplicate') return { pattern: this.label, confidence: 'possible', because: 'More CAS succeeded on a value than it was written, but no re-post or failover was recorded around them.' };
    return undefined;
  },
};
