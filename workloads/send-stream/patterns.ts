// Queue sliding: a re-posted SEND is delivered twice, so every later receive takes the message
// meant for the one before it.
import type { Operation, PatternDef, Theory } from '../../harness/core';
import { evidence, involvedOps, why } from '../evidence';
import { explainWith, show } from '../explain';

export const MODEL = 'queue';

export const QUEUE_THEORY: Theory = {
  result: 'queue sliding',
  statement:
    'A SEND whose ACK was lost had been delivered. Sent again on the backup rail, it consumed a second posted RECV, so every later receive took the message meant for the one before it.',
  unavoidable:
    "No transparent failover can avoid it: the sender cannot know whether the SEND landed, and the receiver's queue of posted RECVs carries no message identity across QPs; what would is an error returned to the application, or sequence numbers in the messages that the receiver checks and drops when repeated (with a handshake on reconnect that agrees on the last one delivered).",
};

const tallies = new WeakMap<readonly Operation[], { sent: Map<string, Operation[]>; got: Map<string, Operation[]> }>();

/** a stream's sends and receives by message (once per stream) */
function tally(on: readonly Operation[]): { sent: Map<string, Operation[]>; got: Map<string, Operation[]> } {
  let t = tallies.get(on);
  if (t) return t;
  t = { sent: new Map(), got: new Map() };
  const add = (m: Map<string, Operation[]>, k: string, op: Operation): void => void m.set(k, [...(m.get(k) ?? []), op]);
  for (const op of on) {
    if (op.f === 'send' && op.status !== 'fail') add(t.sent, JSON.stringify(op.value), op);
    if (op.f === 'recv' && op.status === 'ok') add(t.got, JSON.stringify(op.result), op);
  }
  tallies.set(on, t);
  return t;
}

/** the violation's messages that were received more often than they were sent */
function deliveries(involved: readonly Operation[], onKey: (k: Operation['key']) => readonly Operation[]): string[] {
  const out: string[] = [];
  for (const k of new Set(involved.map((op) => op.key))) {
    const { sent, got } = tally(onKey(k));
    const mine = new Set(involved.filter((op) => op.key === k).map((op) => JSON.stringify(op.f === 'recv' ? op.result : op.value)));
    for (const m of mine) {
      const rs = got.get(m) ?? [];
      const ss = sent.get(m) ?? [];
      if (rs.length <= ss.length) continue;
      const times = (n: number): string => (n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`);
      out.push(`Message ${show(JSON.parse(m))} on ${show(k)} was received ${times(rs.length)} (ops ${rs.map((o) => o.id).join(', ')}) but sent ${ss.length ? `${times(ss.length)} (op${ss.length > 1 ? 's' : ''} ${ss.map((o) => o.id).join(', ')})` : 'never'}: the receive queue took one SEND as two messages.`);
    }
  }
  return out;
}

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
  explain(v, ctx) {
    return explainWith(v, ctx, {
      theory: QUEUE_THEORY,
      subject: (op) => op.f === 'send',
      // only the violation's own messages: a whole stream's receives would bury the duplicate
      executed: deliveries,
    });
  },
};
