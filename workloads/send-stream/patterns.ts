// Queue sliding: a re-posted SEND is delivered twice, so every later receive takes the message
// meant for the one before it.
import type { PatternDef } from '../../harness/core';
import { evidence, involvedOps, why } from '../evidence';

export const MODEL = 'queue';

export const queueSliding: PatternDef = {
  name: 'queue-sliding',
  label: 'queue sliding',
  classify(v, ctx) {
    const { involved, near } = involvedOps(v, ctx);
    const stream = involved.some((op) => op.f === 'send' || op.f === 'recv');
    if (!(v.kind === 'stream-duplicate' || v.kind === 'stream-misaligned' || (stream && v.kind === 'duplicate') || (v.kind === 'nonlinearizable' && v.explanation?.model === MODEL))) return undefined;
    const e = evidence(near, ctx.faults, (op) => op.f === 'send' || op.f === 'recv');
    const strong = v.kind !== 'nonlinearizable' || e.repost.length > 0;
    const ev = why(e);
    return { pattern: this.label, confidence: strong ? 'match' : 'possible', because: `A message was delivered twice, shifting the receive queue${ev ? `: ${ev}` : ''}.` };
  },
};
