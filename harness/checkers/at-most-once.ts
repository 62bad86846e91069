// At-most-once: did any operation take effect more than once, did an acknowledged one vanish,
// did a value appear that nobody wrote? Linear time, run before the linearizability search.
// It relies on workloads making every op identifiable:
//  - FADD deltas per key are superincreasing (e.g. powers of 4), so the final value decodes
//    into how many times each FADD executed;
//  - CAS and write values are tagged with the op id, so each value has one producer;
//  - SEND payloads carry message ids.
// Indeterminate ops may count 0 or 1 times; fail ops must count 0.
import type { Operation } from '../core';
import type { Json } from '../core';
import { checkRegister, vkey, type VKey } from './at-most-once-register';
import type { CheckerResult, Violation } from './types';
import { opLabel } from './types';

export interface AtMostOnceOptions {
  /** initial value of every FADD counter / register (default 0) */
  initial?: number;
}

type KeyOps = Map<string, Operation[]>;

export function checkAtMostOnce(ops: readonly Operation[], o: AtMostOnceOptions = {}): CheckerResult {
  const t0 = performance.now();
  const initial = o.initial ?? 0;
  const byKind = { fadd: new Map() as KeyOps, reg: new Map() as KeyOps, queue: new Map() as KeyOps };
  // each op's key as a string once (a 1M-op history has 1M of them)
  const keys: string[] = new Array<string>(ops.length);
  const kinds = new Map<string, KeyOps>();
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const k = keyOf(op);
    keys[i] = k;
    if (op.f === 'fadd') kinds.set(k, byKind.fadd);
    else if (op.f === 'send' || op.f === 'recv') kinds.set(k, byKind.queue);
    else if ((op.f === 'cas' || op.f === 'write') && !kinds.has(k)) kinds.set(k, byKind.reg);
  }
  for (let i = 0; i < ops.length; i++) {
    const k = keys[i]!;
    const m = kinds.get(k);
    if (m === undefined) continue;
    const l = m.get(k);
    if (l) l.push(ops[i]!);
    else m.set(k, [ops[i]!]);
  }
  const violations: Violation[] = [];
  const notes: string[] = [];
  const skipped: Skips = { noFinal: [], undecodable: [] };
  for (const [key, list] of byKind.fadd) checkCounter(key, list, initial, violations, notes, skipped);
  for (const [key, list] of byKind.reg) checkRegister(key, list, initial, violations);
  for (const [key, list] of byKind.queue) checkQueue(key, list, violations);
  const ms = performance.now() - t0;
  const checked = byKind.fadd.size + byKind.reg.size + byKind.queue.size;
  if (violations.length > 0) {
    return { checker: 'at-most-once', verdict: 'invalid', ms, summary: `${violations.length} violation(s): ${violations[0]!.message}`, violations };
  }
  if (notes.length > 0) return { checker: 'at-most-once', verdict: 'unknown', ms, summary: notes.join('; '), violations };
  const skips = describeSkips(skipped);
  const nSkipped = skipped.noFinal.length + skipped.undecodable.length;
  if (checked > 0 && nSkipped === checked) return { checker: 'at-most-once', verdict: 'unknown', ms, summary: `skipped: ${skips}`, violations, skipped: skips };
  const what = checked ? `every op on ${checked - nSkipped} key(s) took effect at most once` : 'no identifiable ops to check';
  return { checker: 'at-most-once', verdict: 'valid', ms, summary: nSkipped ? `${what}; skipped ${skips}` : what, violations };
}

/** counter keys whose executions cannot be counted, by reason */
interface Skips {
  noFinal: string[];
  undecodable: string[];
}

/** one line however many keys: a count and the range of their names */
function describeSkips(s: Skips): string {
  const part = (keys: string[], why: string): string => {
    const sorted = keys.slice().sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const range = sorted.length === 1 ? sorted[0] || '(no key)' : `${sorted[0]} ... ${sorted[sorted.length - 1]}`;
    return `${keys.length} counter key(s) ${why} (${range})`;
  };
  const out: string[] = [];
  if (s.noFinal.length) out.push(part(s.noFinal, 'with no final snapshot, so executions cannot be counted'));
  if (s.undecodable.length) out.push(part(s.undecodable, 'with deltas that are not superincreasing, so only totals were checked, and they agree'));
  return out.join('; ');
}

function keyOf(op: Operation): string {
  return op.key === undefined ? '' : typeof op.key === 'string' ? op.key : String(op.key);
}

function num(v: Json | undefined): number | undefined {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
}

/** the final snapshot value of a key: the last final read, else undefined */
function finalValue(list: readonly Operation[]): Json | undefined {
  let v: Json | undefined;
  for (const op of list) if (op.final && op.status === 'ok' && op.result !== undefined) v = op.result;
  return v;
}

function checkCounter(key: string, list: Operation[], initial: number, out: Violation[], notes: string[], skipped: Skips): void {
  const fadds = list.filter((op) => op.f === 'fadd');
  const fin = num(finalValue(list));
  const where = key ? ` on key ${key}` : '';
  // without the final value there is nothing to count executions against: does not apply
  if (fin === undefined) {
    skipped.noFinal.push(key);
    return;
  }
  const deltas = fadds.map((op) => num(op.value));
  if (deltas.some((d) => d === undefined || d <= 0)) {
    notes.push(`counter${where} has non-positive or non-integer deltas: executions cannot be decoded`);
    return;
  }
  // decodable iff every delta exceeds 3x the sum of the smaller ones (counts up to 3 are exact):
  // past 27 FADDs that cannot hold for safe integers (4^27 > 2^53), so no sort of a long history
  const order = fadds.length > 27 ? [] : fadds.map((_, i) => i).sort((a, b) => deltas[b]! - deltas[a]!);
  let decodable = fadds.length <= 27;
  let below = 0;
  for (let j = order.length - 1; j >= 0; j--) {
    const d = deltas[order[j]!]!;
    if (d <= 3 * below) decodable = false;
    below += d;
  }
  let rest = fin - initial;
  if (!decodable) {
    const okSum = fadds.reduce((s, op, i) => s + (op.status === 'ok' ? deltas[i]! : 0), 0);
    const maxSum = fadds.reduce((s, op, i) => s + (op.status !== 'fail' ? deltas[i]! : 0), 0);
    if (rest < okSum) out.push({ kind: 'lost', message: `Counter${where} ends at ${fin}, below the ${okSum} that acknowledged FADDs alone add: an acknowledged FADD was lost.`, ops: fadds.filter((o) => o.status === 'ok').map((o) => o.id) });
    else if (rest > maxSum) out.push({ kind: 'duplicate', message: `Counter${where} ends at ${fin}, more than all FADDs together could add (${maxSum}): some FADD executed more than once.`, ops: fadds.map((o) => o.id) });
    else skipped.undecodable.push(key); // the linearizability search still sees every FADD
    return;
  }
  for (const i of order) {
    const op = fadds[i]!;
    const d = deltas[i]!;
    const times = rest >= 0 ? Math.floor(rest / d) : 0;
    rest -= times * d;
    if (times >= 2) {
      out.push({ kind: 'duplicate', message: `FADD +${d} by ${opLabel(op)} executed ${times} times: the final value of the counter${where} contains its delta ${times} times.`, ops: [op.id] });
    } else if (times === 0 && op.status === 'ok') {
      out.push({ kind: 'lost', message: `FADD +${d} by ${opLabel(op)} was acknowledged but its delta is missing from the final value of the counter${where}.`, ops: [op.id] });
    } else if (times === 1 && op.status === 'fail') {
      out.push({ kind: 'phantom', message: `FADD +${d} by ${opLabel(op)} was recorded as failed, yet its delta is in the final value of the counter${where}.`, ops: [op.id] });
    }
  }
  if (rest !== 0) {
    out.push({ kind: 'phantom', message: `The final value of the counter${where} (${fin}) contains ${rest} that no FADD added.`, ops: [] });
  }
}

function checkQueue(key: string, list: Operation[], out: Violation[]): void {
  const where = key ? ` on stream ${key}` : '';
  const sent = new Map<VKey, Operation>();
  const got = new Map<VKey, Operation[]>();
  let drained = false;
  for (const op of list) {
    if (op.f === 'send' && op.status !== 'fail') sent.set(vkey(op.value), op);
    if (op.f === 'recv' && op.status === 'ok') {
      if (op.final && (op.result === null || op.result === undefined)) {
        drained = true;
        continue;
      }
      const k = vkey(op.result);
      const l = got.get(k);
      if (l) l.push(op);
      else got.set(k, [op]);
    }
  }
  for (const [v, recvs] of got) {
    const s = sent.get(v);
    if (!s) out.push({ kind: 'phantom', message: `${opLabel(recvs[0]!)} received message ${v}${where}, which was never sent.`, ops: recvs.map((o) => o.id) });
    else if (recvs.length > 1) out.push({ kind: 'duplicate', message: `Message ${v} sent by ${opLabel(s)} was received ${recvs.length} times${where}.`, ops: [s.id, ...recvs.map((o) => o.id)] });
  }
  if (drained) {
    for (const [v, s] of sent) {
      if (s.status === 'ok' && !got.has(v)) out.push({ kind: 'lost', message: `Message ${v} sent by ${opLabel(s)} was acknowledged but never received${where}.`, ops: [s.id] });
    }
  }
}
