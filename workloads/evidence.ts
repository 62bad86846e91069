// Evidence for the failure patterns the workloads declare: the ops on a violation's keys around
// it, which of them were re-posted or ran after a failover, and the faults in place meanwhile.
// Fault kinds are matched by what their names say (failover, link, cable; ack), so histories
// imported from other tools read the same way.
import { windowStart, windowStop, type FaultWindow, type Operation, type PatternContext, type ViolationShape } from '../harness/core';

const FAILOVER = /failover|nic|link|cable/i;
const ACK = /ack/i;


/** faults active at any moment of [from, to] (times when the history has them, else ranks) */
export function faultsDuring(faults: readonly FaultWindow[], op: Operation): FaultWindow[] {
  const timed = op.callTime !== undefined;
  const from = timed ? op.callTime! : op.call;
  const to = timed ? op.retTime ?? Infinity : Number.isFinite(op.ret) ? op.ret : Infinity;
  return faults.filter((w) => windowStart(w, timed) <= to && (windowStop(w, timed) ?? Infinity) >= from);
}

export function reposted(op: Operation): boolean {
  return op.rdma?.repost === true || (op.rdma?.epoch ?? 0) > 0;
}

export function evidence(ops: readonly Operation[], faults: readonly FaultWindow[], f: (op: Operation) => boolean): { repost: Operation[]; failover: FaultWindow[]; ack: FaultWindow[] } {
  const subject = ops.filter(f);
  const during = new Map<string, FaultWindow>();
  for (const op of subject) for (const w of faultsDuring(faults, op)) during.set(w.id, w);
  const ws = [...during.values()];
  return { repost: subject.filter(reposted), failover: ws.filter((w) => FAILOVER.test(w.kind)), ack: ws.filter((w) => ACK.test(w.kind)) };
}

export function why(e: ReturnType<typeof evidence>): string {
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

const keyOps = new WeakMap<readonly Operation[], Map<string, readonly Operation[]>>();

/** every op on a key, in history order (the same array each time, so callers can cache by it) */
export function opsOnKey(ctx: PatternContext, key: string | number | undefined): readonly Operation[] {
  const k = key === undefined ? '' : String(key);
  let m = keyOps.get(ctx.ops);
  if (!m) keyOps.set(ctx.ops, (m = new Map()));
  let l = m.get(k);
  if (!l) m.set(k, (l = (keyIndex(ctx.ops).get(k) ?? []).map((id) => ctx.ops[id]!)));
  return l;
}

/** how far before the violating ops a re-post on the same key still counts as its cause */
const LOOKBACK_NS = 1e9;

/** ops on the violation's keys around its ops: a re-posted write is often not in the minimal set */
export function neighbours(involved: readonly Operation[], ctx: PatternContext): Operation[] {
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

/** the violation's own ops, and the ops on its keys around them */
export function involvedOps(v: ViolationShape, ctx: PatternContext): { involved: Operation[]; near: Operation[] } {
  const involved = v.ops.map((id) => ctx.ops[id]).filter((op): op is Operation => op !== undefined);
  return { involved, near: neighbours(involved, ctx) };
}

export type Evidence = ReturnType<typeof evidence>;
