// Explaining a violation by the result it instantiates: the shared half. A pattern supplies its
// theory (data) and what its workload's memory shows; this adds what the sender observed, the
// final snapshot of the keys involved and the rxe counters of the fault windows around them.
import type { Explained, FaultWindow, Operation, PatternContext, Theory, ViolationShape } from '../harness/core';
import { faultsDuring, involvedOps, opsOnKey, reposted } from './evidence';

/** how many ops the sender's view lists before "and N more" */
const SHOWN = 6;

/** the counters that tell a re-post from a retransmission, and a link gone from a lost packet */
const RXE = ['sent_pkts', 'rcvd_pkts', 'duplicate_request', 'out_of_seq_request', 'retry_exceeded_err', 'completer_retry_err', 'rcvd_seq_err', 'link_downed'];

export interface ExplainInput {
  theory: Theory;
  /** the ops the pattern is about (FADDs, CAS, SENDs, WRITEs) among those around the violation */
  subject: (op: Operation) => boolean;
  /** what the workload's memory shows, one sentence per fact, from the whole history of each key */
  executed: (involved: readonly Operation[], onKey: (key: string | number | undefined) => readonly Operation[]) => string[];
}

export function explainWith(v: ViolationShape, ctx: PatternContext, e: ExplainInput): Explained {
  const { involved, near } = involvedOps(v, ctx);
  const all = uniq([...involved, ...near]);
  const subject = all.filter(e.subject);
  // the violation's own ops first, then those around it the failover touched or left in doubt
  const byId = (a: Operation, b: Operation): number => a.id - b.id;
  const telling = subject.filter((op) => reposted(op) || op.status === 'info' || faultsDuring(ctx.faults, op).length > 0);
  const shown = uniq([...[...involved].sort(byId), ...telling.sort(byId)]);
  const t0 = runStart(ctx.ops);
  const sender = shown.slice(0, SHOWN).map((op) => senderLine(op, t0, ctx.policy?.name));
  if (shown.length > SHOWN) sender.push(`… and ${shown.length - SHOWN} more op(s) on the same key(s) around it`);
  const faults = uniq(subject.flatMap((op) => faultsDuring(ctx.faults, op)));
  return {
    result: e.theory.result,
    statement: e.theory.statement,
    sender,
    executed: [...e.executed(involved, (k) => opsOnKey(ctx, k)), ...finalLines(ctx, involved), ...rxeLines(ctx, faults, subject.some(reposted))],
    unavoidable: e.theory.unavoidable,
  };
}

function uniq<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

const starts = new WeakMap<readonly Operation[], number | undefined>();

function runStart(ops: readonly Operation[]): number | undefined {
  if (!starts.has(ops)) {
    let t: number | undefined;
    for (const op of ops) if (op.callTime !== undefined && (t === undefined || op.callTime < t)) t = op.callTime;
    starts.set(ops, t);
  }
  return starts.get(ops);
}

export function show(x: unknown): string {
  const s = typeof x === 'string' ? x : JSON.stringify(x) ?? 'nothing';
  return s.length > 60 ? s.slice(0, 59) + '…' : s;
}

function args(op: Operation): string {
  const v = op.value;
  if (op.f === 'fadd') return ` +${show(v)}`;
  if (op.f === 'cas' && Array.isArray(v) && v.length === 2) return ` ${show(v[0])}→${show(v[1])}`;
  return v === undefined ? '' : ` ${show(v)}`;
}

/** what the sender saw of one op: what it sent, what came back, on which rail, and any re-post */
export function senderLine(op: Operation, t0: number | undefined, policy: string | undefined): string {
  const who = `op ${op.id} (p${op.process}${op.node ? ` on ${op.node}` : ''}): ${op.f}${args(op)}${op.key !== undefined ? ` on ${show(op.key)}` : ''}`;
  const when = op.callTime !== undefined && t0 !== undefined ? ` at ${((op.callTime - t0) / 1e9).toFixed(2)} s` : '';
  const took = op.callTime !== undefined && op.retTime !== undefined ? `, ${fmtDelay(op.retTime - op.callTime)} later` : '';
  const outcome =
    op.status === 'ok'
      ? `answered ok${op.result !== undefined ? ` (${show(op.result)})` : ''}${took}`
      : op.status === 'fail'
        ? `failed${op.error ? ` with ${op.error}` : ''}${took}: it did not take effect`
        : `got no answer${op.error ? ` (${op.error})` : ''}${took}: the sender cannot know whether it executed`;
  const r = op.rdma;
  const rail = r?.rail !== undefined ? `; last posted on rail ${r.rail}${r.epoch ? ` after ${r.epoch} failover(s)` : ''}` : '';
  const re = r?.repost ? `; re-posted by the ${policy ?? 'failover'} policy after its first posting went unanswered` : '';
  return `${who}, ${op.f === 'recv' ? 'posted' : 'sent'}${when}, ${outcome}${rail}${re}.`;
}

function fmtDelay(ns: number): string {
  return ns >= 1e9 ? `${(ns / 1e9).toFixed(2)} s` : ns >= 1e6 ? `${(ns / 1e6).toFixed(1)} ms` : `${(ns / 1e3).toFixed(0)} µs`;
}

/** the final snapshot of the keys involved: what the responder's memory holds after every op */
function finalLines(ctx: PatternContext, involved: readonly Operation[]): string[] {
  const keys = uniq(involved.map((op) => op.key));
  return keys.flatMap((k) =>
    finalsOf(ctx, k).map((op) => `The final snapshot of the responder's memory reads ${show(k)} = ${show(op.result)} (op ${op.id}, after every op completed).`),
  );
}

export function finalsOf(ctx: PatternContext, key: string | number | undefined): Operation[] {
  return opsOnKey(ctx, key).filter((op) => op.final && op.status === 'ok');
}

/** the rxe counters over the fault windows the subject ops ran in */
function rxeLines(ctx: PatternContext, faults: readonly FaultWindow[], reposts: boolean): string[] {
  const out: string[] = [];
  for (const w of faults) {
    const deltas = (ctx.counters ?? []).filter((d) => d.window === w.id);
    if (!deltas.length) continue;
    const devs = deltas
      .map((d) => ({ d, named: RXE.filter((n) => (d.deltas[n] ?? 0) > 0).map((n) => `${n} ${d.deltas[n]}`) }))
      .filter((x) => x.named.length)
      .map((x) => `${x.d.node}/${x.d.device} ${x.named.join(', ')}`);
    out.push(`rxe counters during ${w.kind} ${w.id}: ${devs.length ? devs.join('; ') : 'no packets counted'}.`);
    const dup = deltas.reduce((s, d) => s + (d.deltas.duplicate_request ?? 0), 0);
    if (!reposts || !deltas.some((d) => 'duplicate_request' in d.deltas)) continue;
    out.push(
      dup === 0
        ? `No rxe counted a duplicate request in ${w.id}: the re-post went out on a new QP with new PSNs, so the responder executed it as a new request.`
        : `The responders counted ${dup} duplicate request(s) in ${w.id}: retransmissions on the old QP, which RDMA answers without executing again; the re-post on a new QP is not one of them, so it executed anew.`,
    );
  }
  return out;
}
