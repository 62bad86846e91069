// Which known failure pattern a violation matches. The four are the failover impossibility
// cases rdma-chaos exists to reproduce; the classifier looks at the violation kind, the ops
// involved, their RDMA metadata (re-post, failover epoch) and the faults active around them.
import type { CheckerResult, Violation } from '../harness/checkers/types';
import type { FaultWindow, Operation } from '../harness/history';
import type { RunResults } from '../harness/store/results';

export type CheckRecord = RunResults['checks'][number];

export const PATTERNS = {
  duplicateFadd: 'duplicate FADD after failover',
  casDoubleSuccess: 'CAS double success',
  queueSliding: 'queue sliding',
  staleWrite: 'stale write over reused buffer',
} as const;
export type PatternName = (typeof PATTERNS)[keyof typeof PATTERNS];

export interface PatternMatch {
  /** undefined: no known pattern */
  pattern?: PatternName;
  /** 'match': the evidence (re-post, epoch change, failover window) is there; 'possible': the shape only */
  confidence: 'match' | 'possible' | 'none';
  /** plain-English evidence, one sentence */
  because: string;
}

export interface PatternContext {
  ops: readonly Operation[];
  faults: readonly FaultWindow[];
}

const FAILOVER = /failover|nic|link|cable/i;
const ACK = /ack/i;

function faultTime(w: FaultWindow, end: boolean): number {
  if (end) return Number.isFinite(w.stop) ? w.stopTime ?? w.stop : Infinity;
  return w.startTime ?? w.start;
}

/** faults active at any moment of [from, to] (times when the history has them, else ranks) */
export function faultsDuring(faults: readonly FaultWindow[], op: Operation): FaultWindow[] {
  const timed = op.callTime !== undefined;
  const from = timed ? op.callTime! : op.call;
  const to = timed ? op.retTime ?? Infinity : Number.isFinite(op.ret) ? op.ret : Infinity;
  return faults.filter((w) => (timed ? faultTime(w, false) : w.start) <= to && (timed ? faultTime(w, true) : w.stop) >= from);
}

function reposted(op: Operation): boolean {
  return op.rdma?.repost === true || (op.rdma?.epoch ?? 0) > 0;
}

function evidence(ops: readonly Operation[], faults: readonly FaultWindow[], f: (op: Operation) => boolean): { repost: Operation[]; failover: FaultWindow[]; ack: FaultWindow[] } {
  const subject = ops.filter(f);
  const during = new Map<string, FaultWindow>();
  for (const op of subject) for (const w of faultsDuring(faults, op)) during.set(w.id, w);
  const ws = [...during.values()];
  return { repost: subject.filter(reposted), failover: ws.filter((w) => FAILOVER.test(w.kind)), ack: ws.filter((w) => ACK.test(w.kind)) };
}

function why(e: ReturnType<typeof evidence>): string {
  const parts: string[] = [];
  const re = e.repost.filter((o) => o.rdma?.repost === true);
  const moved = e.repost.filter((o) => o.rdma?.repost !== true);
  if (re.length) parts.push(`op ${re.map((o) => o.id).join(', ')} was re-posted by the failover policy`);
  if (moved.length) parts.push(`op ${moved.map((o) => o.id).join(', ')} ran after the failover (epoch ${moved[0]!.rdma?.epoch ?? '?'})`);
  if (e.failover.length) parts.push(`it overlaps ${e.failover.map((w) => `${w.kind} ${w.id}`).join(', ')}`);
  if (e.ack.length) parts.push(`ACKs were being dropped (${e.ack.map((w) => w.id).join(', ')})`);
  return parts.join('; ');
}

const keyIndexes = new WeakMap<readonly Operation[], Map<string, number[]>>();

function keyIndex(ops: readonly Operation[]): Map<string, number[]> {
  let m = keyIndexes.get(ops);
  if (!m) {
    m = new Map();
    for (const op of ops) {
      const k = op.key === undefined ? '' : String(op.key);
      let l = m.get(k);
      if (!l) m.set(k, (l = []));
      l.push(op.id);
    }
    keyIndexes.set(ops, m);
  }
  return m;
}

/** how far before the violating ops a re-post on the same key still counts as its cause */
const LOOKBACK_NS = 1e9;

/** ops on the violation's keys around its ops: a re-posted write is often not in the minimal set */
function neighbours(involved: readonly Operation[], ctx: PatternContext): Operation[] {
  if (involved.length === 0) return [];
  const timed = involved.every((op) => op.callTime !== undefined);
  const lo = Math.min(...involved.map((op) => (timed ? op.callTime! : op.call))) - (timed ? LOOKBACK_NS : 1000);
  const hi = Math.max(...involved.map((op) => (timed ? op.retTime ?? op.callTime! : Number.isFinite(op.ret) ? op.ret : op.call)));
  const keys = new Set(involved.map((op) => (op.key === undefined ? '' : String(op.key))));
  const idx = keyIndex(ctx.ops);
  const out: Operation[] = [];
  for (const k of keys) {
    for (const id of idx.get(k) ?? []) {
      const op = ctx.ops[id]!;
      const s = timed ? op.callTime ?? 0 : op.call;
      if (s >= lo && s <= hi) out.push(op);
    }
  }
  return out;
}

export function classifyViolation(v: Violation, ctx: PatternContext): PatternMatch {
  const involved = v.ops.map((id) => ctx.ops[id]).filter((op): op is Operation => op !== undefined);
  const near = neighbours(involved, ctx);
  const has = (f: Operation['f']): boolean => involved.some((op) => op.f === f);
  const model = v.explanation?.model;

  if ((v.kind === 'duplicate' && has('fadd')) || (v.kind === 'nonlinearizable' && model === 'counter')) {
    const e = evidence(near, ctx.faults, (op) => op.f === 'fadd');
    if (e.repost.length || e.failover.length) return { pattern: PATTERNS.duplicateFadd, confidence: 'match', because: `A FADD took effect twice: ${why(e)}.` };
    if (v.kind === 'duplicate') return { pattern: PATTERNS.duplicateFadd, confidence: 'possible', because: 'A FADD took effect twice, but no re-post or failover was recorded around it.' };
  }
  if ((v.kind === 'duplicate' && has('cas')) || (v.kind === 'nonlinearizable' && model === 'cas-register')) {
    const e = evidence(near, ctx.faults, (op) => op.f === 'cas' && op.status === 'ok');
    const successes = involved.filter((op) => op.f === 'cas' && op.status === 'ok' && Array.isArray(op.value) && (op.result === true || JSON.stringify(op.result) === JSON.stringify(op.value[0])));
    if (successes.length && (e.repost.length || e.failover.length)) return { pattern: PATTERNS.casDoubleSuccess, confidence: 'match', because: `A CAS succeeded where only one could: ${why(e)}.` };
    if (v.kind === 'duplicate') return { pattern: PATTERNS.casDoubleSuccess, confidence: 'possible', because: 'More CAS succeeded on a value than it was written, but no re-post or failover was recorded around them.' };
  }
  const stream = has('send') || has('recv');
  if (v.kind === 'stream-duplicate' || v.kind === 'stream-misaligned' || (stream && v.kind === 'duplicate') || (v.kind === 'nonlinearizable' && model === 'queue')) {
    const e = evidence(near, ctx.faults, (op) => op.f === 'send' || op.f === 'recv');
    const strong = v.kind !== 'nonlinearizable' || e.repost.length > 0;
    const ev = why(e);
    return { pattern: PATTERNS.queueSliding, confidence: strong ? 'match' : 'possible', because: `A message was delivered twice, shifting the receive queue${ev ? `: ${ev}` : ''}.` };
  }
  if (v.kind === 'nonlinearizable' && model === 'register') {
    const e = evidence(near, ctx.faults, (op) => op.f === 'write');
    const staleRead = involved.some((r) => r.f === 'read' && r.status === 'ok' && near.some((w) => w.f === 'write' && reposted(w) && JSON.stringify(w.value) === JSON.stringify(r.result)));
    if (staleRead) return { pattern: PATTERNS.staleWrite, confidence: 'match', because: `A read saw the value of a re-posted write after the buffer had been reused: ${why(e)}.` };
    if (e.failover.length) return { pattern: PATTERNS.staleWrite, confidence: 'possible', because: `A read saw an overwritten value while ${why(e)}.` };
    return { confidence: 'none', because: 'A read saw an overwritten value (stale read); no re-posted write or failover is involved.' };
  }
  const what: Record<string, string> = {
    lost: 'An acknowledged operation vanished: this is not one of the failover duplication patterns.',
    phantom: 'A value appeared that no operation produced.',
    'stream-gap': 'Acknowledged messages were never delivered.',
  };
  return { confidence: 'none', because: what[v.kind] ?? 'No known failure pattern matches.' };
}

/** Checker results as stored in results.json, each violation tagged with its pattern. */
export function checksToRecords(results: readonly CheckerResult[], ctx: PatternContext): CheckRecord[] {
  return results.map((r) => ({
    checker: r.checker,
    verdict: r.verdict,
    ms: Math.round(r.ms * 1000) / 1000,
    summary: r.summary,
    violations: r.violations.map((v) => {
      const rec: CheckRecord['violations'][number] = { kind: v.kind, message: v.message, ops: v.ops };
      if (v.explanation) rec.explanation = v.explanation;
      const m = classifyViolation(v, ctx);
      if (m.pattern && m.confidence === 'match') rec.pattern = m.pattern;
      return rec;
    }),
  }));
}
