// A FADD executed twice: a failover layer re-posted a FADD whose ACK was lost (the sender cannot
// tell a lost request from a lost ACK, and FADD is not idempotent).
import type { PatternDef } from '../../harness/core';
import { evidence, involvedOps, why } from '../evidence';

export const MODEL = 'counter';

export const duplicateFadd: PatternDef = {
  name: 'duplicate-fadd',
  label: 'duplicate FADD after failover',
  classify(v, ctx) {
    const { involved, near } = involvedOps(v, ctx);
    if (!((v.kind === 'duplicate' && involved.some((op) => op.f === 'fadd')) || (v.kind === 'nonlinearizable' && v.explanation?.model === MODEL))) return undefined;
    const e = evidence(near, ctx.faults, (op) => op.f === 'fadd');
    if (e.repost.length || e.failover.length) return { pattern: this.label, confidence: 'match', because: `A FADD took effect twice: ${why(e)}.` };
    if (v.kind === 'duplicate') return { pattern: this.label, confidence: 'possible', because: 'A FADD took effect twice, but no re-post or failover was recorded around it.' };
    return undefined;
  },
};
