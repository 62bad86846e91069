// A FADD executed twice: a failover layer re-posted a FADD whose ACK was lost (the sender cannot
// tell a lost request from a lost ACK, and FADD is not idempotent).
import type { Operation, PatternDef, Theory } from '../../harness/core';
import { evidence, involvedOps, why } from '../evidence';
import { explainWith, show } from '../explain';

export const MODEL = 'counter';

export const FADD_THEORY: Theory = {
  result: 'FADD non-idempotency (a lost request and a lost ACK look the same)',
  statement:
    'A sender whose FADD went unanswered cannot tell a lost request from a lost ACK. Executing it again is not harmless: FADD is not idempotent, so a FADD that had already executed adds its delta a second time.',
  unavoidable:
    "No transparent failover can avoid it: only the responder knows whether the FADD ran, and the backup rail's new QP shares no PSN state with the old one, so re-posting risks a double add and not re-posting a lost one; what would is an error returned to the application, or idempotency at the protocol level (a request id the responder records with the effect and checks before applying it).",
};

const num = (x: unknown): number | undefined => (typeof x === 'number' ? x : typeof x === 'string' && /^-?\d+$/.test(x) ? Number(x) : undefined);

const accounts = new WeakMap<readonly Operation[], string | undefined>();

/** a key's acknowledged and in-doubt deltas against its final value (whole history, once per key) */
function faddAccount(k: string, on: readonly Operation[]): string | undefined {
  if (accounts.has(on)) return accounts.get(on);
  let line: string | undefined;
  const final = num(on.find((op) => op.final && op.status === 'ok')?.result);
  // a write sets the counter: the sum from zero no longer accounts for it
  if (final !== undefined && !on.some((op) => op.f === 'write')) {
    const sum = (st: string): number => on.filter((op) => op.f === 'fadd' && op.status === st).reduce((s, op) => s + (num(op.value) ?? 0), 0);
    const acked = sum('ok');
    const doubt = sum('info');
    const extra = final - acked - doubt;
    const added = `The FADDs on ${show(k)} add ${acked} acknowledged${doubt ? ` and at most ${doubt} in doubt` : ''}`;
    line = extra > 0 ? `${added}, yet the counter ends at ${final}: ${extra} more than executing each FADD once could give.` : `${added}; the counter ends at ${final}.`;
  }
  accounts.set(on, line);
  return line;
}

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
  explain(v, ctx) {
    return explainWith(v, ctx, { theory: FADD_THEORY, subject: (op) => op.f === 'fadd', executed: (involved, onKey) => {
        const keys = [...new Set(involved.filter((op) => op.f === 'fadd').map((op) => op.key))];
        return keys.map((k) => faddAccount(String(k), onKey(k))).filter((l): l is string => l !== undefined);
      },
    });
  },
};
