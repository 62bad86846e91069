// A CAS that succeeded twice: re-posted after its ACK was lost, it found the value a concurrent
// reset had put back (ABA), so one CAS swapped twice.
import type { Json, Operation, PatternDef, Theory } from '../../harness/core';
import { evidence, involvedOps, why } from '../evidence';
import { explainWith, show } from '../explain';

export const MODEL = 'cas-register';

export const CAS_THEORY: Theory = {
  result: 'CAS double success under a concurrent reset',
  statement:
    'A CAS whose ACK was lost had already swapped. Before it ran again, another client reset the register to the value the CAS expects (ABA), so the second execution found its expected value and swapped too: one operation, two successes.',
  unavoidable:
    'No transparent failover can avoid it: once someone else has written the register, nothing in it shows whether the first CAS executed, so re-posting may swap twice and not re-posting may lose a CAS that never ran; what would is an error returned to the application, values that never repeat (a version or owner tag beside the value), or a request id the responder checks atomically with the swap.',
};

/** for a policy that checks by a READ before replaying (read-verify): a read cannot decide */
export const READ_VERIFY_THEORY: Theory = {
  result: 'the read-only verification barrier (read-verify)',
  statement:
    'Before replaying, read-verify READs the register and skips the replay when the value looks applied. A read shows the current value, not which operations produced it: after a concurrent reset the executed CAS looked not applied, so it was replayed and succeeded twice.',
  unavoidable:
    'No read-only check can decide whether a CAS executed, because a concurrent write can restore the value the CAS expected; only state the responder records as it executes can, so what would is an error returned to the application, a request id checked atomically with the swap, or versioned values that never repeat.',
};

const same = (a: Json | undefined, b: Json | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);

function swapped(op: Operation): boolean {
  return op.f === 'cas' && op.status === 'ok' && Array.isArray(op.value) && (op.result === true || same(op.result, op.value[0]));
}

const accounts = new WeakMap<readonly Operation[], string[]>();

/** a value more CAS swapped away from than anything ever put there: someone swapped twice */
function casAccount(k: string | number | undefined, on: readonly Operation[]): string[] {
  const cached = accounts.get(on);
  if (cached) return cached;
  const out: string[] = [];
  accounts.set(on, out);
  // an unwritten register starts with a value nobody put there: one consumer more is no evidence
  const start = on[0]?.f === 'write' ? 0 : 1;
  const swaps = on.filter(swapped);
  const froms = new Map<string, Operation[]>();
  for (const op of swaps) {
    const f = JSON.stringify((op.value as Json[])[0]);
    froms.set(f, [...(froms.get(f) ?? []), op]);
  }
  for (const [f, consumers] of froms) {
    // in-doubt writes and CAS count as producers: the account may miss a double swap, never invent one
    const puts = (op: Operation): boolean => op.f === 'cas' && (swapped(op) || op.status === 'info') && Array.isArray(op.value) && JSON.stringify(op.value[1]) === f;
    const producers = on.filter((op) => (op.f === 'write' && op.status !== 'fail' && JSON.stringify(op.value) === f) || puts(op));
    if (consumers.length <= producers.length + start) continue;
    const v = show(JSON.parse(f) as Json);
    out.push(
      `${consumers.length} CAS on ${show(k)} swapped ${v} away (ops ${consumers.map((o) => o.id).join(', ')}), but ${producers.length === 1 ? `only op ${producers[0]!.id} ever put ${v} there` : producers.length ? `only ${producers.length} ops ever put ${v} there (ops ${producers.map((o) => o.id).join(', ')})` : `nothing ever put ${v} there`}: ${producers.length === 1 ? `op ${producers[0]!.id} executed more than once` : 'an op executed more than once'}.`,
    );
  }
  return out;
}

export const casDoubleSuccess: PatternDef = {
  name: 'cas-double-success',
  label: 'CAS double success',
  classify(v, ctx) {
    const { involved, near } = involvedOps(v, ctx);
    if (!((v.kind === 'duplicate' && involved.some((op) => op.f === 'cas')) || (v.kind === 'nonlinearizable' && v.explanation?.model === MODEL))) return undefined;
    const e = evidence(near, ctx.faults, (op) => op.f === 'cas' && op.status === 'ok');
    const successes = involved.filter(swapped);
    // a re-posted CAS that found the very value it swaps in met its own first execution: its
    // success was lost (at-most-once says phantom), which is not a CAS that swapped twice
    const lostOwn = involved.some((op) => op.f === 'cas' && op.status === 'ok' && !swapped(op) && Array.isArray(op.value) && same(op.result, op.value[1]));
    if (v.kind === 'nonlinearizable' && lostOwn && successes.length < 2) return undefined;
    if (successes.length && (e.repost.length || e.failover.length)) return { pattern: this.label, confidence: 'match', because: `A CAS succeeded where only one could: ${why(e)}.` };
    if (v.kind === 'duplicate') return { pattern: this.label, confidence: 'possible', because: 'More CAS succeeded on a value than it was written, but no re-post or failover was recorded around them.' };
    return undefined;
  },
  explain(v, ctx) {
    return explainWith(v, ctx, {
      theory: ctx.policy?.verifiesByRead ? READ_VERIFY_THEORY : CAS_THEORY,
      subject: (op) => op.f === 'cas',
      executed: (involved, onKey) => [...new Set(involved.filter((op) => op.f === 'cas').map((op) => op.key))].flatMap((k) => casAccount(k, onKey(k))),
    });
  },
};
