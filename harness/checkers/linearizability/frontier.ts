// Just-in-time linearizability search over a frontier of configurations.
//
// Events are processed in real-time order. A configuration is (model state, the open ok-ops
// already linearized, the indeterminate ops already used). At an op's return every surviving
// configuration must have linearized it; configurations that have not get it linearized now,
// possibly after other open ops (a memoised DFS). The frontier empties exactly when the
// history up to that return cannot be linearized.
//
// Reductions, each one keeping the set of reachable futures intact:
//  - read-only ops are linearized as soon as they are legal: the configuration that did so
//    dominates the one that did not (same state, one obligation fewer);
//  - indeterminate ops are never required, and equal ones (same f, key and argument) are
//    interchangeable, so they are tracked as counts per equivalence class;
//  - an op that already returned is no longer tracked: all configurations contain it.
import type { Model } from '../model';
import type { Entry } from './entries';

/** a linked list of linearized entries, newest first (shared between configurations) */
export interface Trail {
  readonly e: number;
  readonly prev: Trail | null;
  readonly len: number;
}

interface Config<S> {
  s: S;
  sk: string | number;
  /** local indices of open ok entries already linearized, ascending */
  ok: number[];
  /** info classes used, ascending with repeats */
  info: number[];
  trail: Trail | null;
}

export type FrontierResult<S> =
  | { verdict: 'valid'; trail: Trail | null }
  | { verdict: 'invalid'; failed: number; before: { s: S; trail: Trail | null }[]; eventIndex: number }
  | { verdict: 'unknown'; reason: string };

export interface SearchBudget {
  deadline: number;
  /** polled every few thousand steps; true stops the search with 'unknown' */
  cancelled?: () => boolean;
}

const CALL = 0;
const RET = 1;

export function searchFrontier<S, P>(model: Model<S, P>, entries: readonly Entry<P>[], budget: SearchBudget): FrontierResult<S> {
  const n = entries.length;
  // events: call and (for ok entries) return, in rank order
  const ev: number[] = [];
  for (let i = 0; i < n; i++) {
    ev.push(i * 2 + CALL);
    if (entries[i]!.known) ev.push(i * 2 + RET);
  }
  const rank = (x: number): number => {
    const e = entries[x >> 1]!;
    return (x & 1) === CALL ? e.op.call : e.op.ret;
  };
  ev.sort((a, b) => rank(a) - rank(b));

  // one representative entry per info class, and how many of the class have been invoked
  const nClasses = entries.reduce((m, e) => Math.max(m, e.cls + 1), 0);
  const classRep: number[] = new Array<number>(nClasses).fill(-1);
  const classAvail: number[] = new Array<number>(nClasses).fill(0);
  const openReads: number[] = [];
  const openWrites: number[] = [];
  const invokedClasses: number[] = [];

  const s0 = model.init();
  let frontier: Config<S>[] = [{ s: s0, sk: model.key(s0), ok: [], info: [], trail: null }];
  let steps = 0;

  for (let ei = 0; ei < ev.length; ei++) {
    const x = ev[ei]! >> 1;
    const ex = entries[x]!;
    if ((ev[ei]! & 1) === CALL) {
      if (ex.known) {
        insertSorted(ex.readOnly ? openReads : openWrites, x);
      } else {
        if (classRep[ex.cls] === -1) {
          classRep[ex.cls] = x;
          invokedClasses.push(ex.cls);
        }
        classAvail[ex.cls]!++;
      }
      continue;
    }

    // x returns: every configuration must linearize it now if it has not already
    const next = new Map<string, Config<S>>();
    const visited = new Set<string>();
    const emit = (c: Config<S>): void => {
      const k = configKey(c);
      if (!next.has(k)) next.set(k, c);
    };

    const dfs = (c: Config<S>): void => {
      if ((++steps & 4095) === 0 && (Date.now() > budget.deadline || budget.cancelled?.())) throw OUT_OF_TIME;
      greedyReads(c);
      if (includes(c.ok, x)) {
        emit({ s: c.s, sk: c.sk, ok: without(c.ok, x), info: c.info, trail: c.trail });
        return;
      }
      const k = configKey(c);
      if (visited.has(k)) return;
      visited.add(k);
      const sx = model.step(c.s, ex.p);
      if (sx !== undefined) emit({ s: sx, sk: model.key(sx), ok: c.ok, info: c.info, trail: push(c.trail, x) });
      if (ex.readOnly && sx !== undefined) return; // nothing before a legal read can do better
      for (const y of openWrites) {
        if (y === x || includes(c.ok, y)) continue;
        const sy = model.step(c.s, entries[y]!.p);
        if (sy === undefined) continue;
        dfs({ s: sy, sk: model.key(sy), ok: withSorted(c.ok, y), info: c.info, trail: push(c.trail, y) });
      }
      for (const cls of invokedClasses) {
        if (count(c.info, cls) >= classAvail[cls]!) continue;
        const rep = classRep[cls]!;
        const sy = model.step(c.s, entries[rep]!.p);
        if (sy === undefined) continue;
        dfs({ s: sy, sk: model.key(sy), ok: c.ok, info: withSorted(c.info, cls), trail: push(c.trail, rep) });
      }
    };

    const greedyReads = (c: Config<S>): void => {
      for (const r of openReads) {
        if (includes(c.ok, r)) continue;
        if (model.step(c.s, entries[r]!.p) !== undefined) {
          c.ok = withSorted(c.ok, r);
          c.trail = push(c.trail, r);
        }
      }
    };

    try {
      for (const c of frontier) dfs({ ...c });
    } catch (e: unknown) {
      if (e === OUT_OF_TIME) return { verdict: 'unknown', reason: 'time budget exhausted' };
      throw e;
    }
    removeSorted(ex.readOnly ? openReads : openWrites, x);
    if (next.size === 0) {
      return { verdict: 'invalid', failed: x, eventIndex: ei, before: frontier.map((c) => ({ s: c.s, trail: c.trail })) };
    }
    frontier = [...next.values()];
  }
  let best: Trail | null = null;
  for (const c of frontier) if (!best || (c.trail?.len ?? 0) > best.len) best = c.trail;
  return { verdict: 'valid', trail: best };
}

const OUT_OF_TIME = new Error('out of time');

function configKey<S>(c: Config<S>): string {
  return `${c.sk}|${c.ok.join(',')}|${c.info.join(',')}`;
}

function push(t: Trail | null, e: number): Trail {
  return { e, prev: t, len: (t?.len ?? 0) + 1 };
}

export function trailToArray(t: Trail | null): number[] {
  const out: number[] = [];
  for (let c = t; c; c = c.prev) out.push(c.e);
  return out.reverse();
}

function includes(a: readonly number[], v: number): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (x === v) return true;
    if (x > v) return false;
  }
  return false;
}

function count(a: readonly number[], v: number): number {
  let c = 0;
  for (const x of a) if (x === v) c++;
  return c;
}

function withSorted(a: readonly number[], v: number): number[] {
  const out = a.slice();
  insertSorted(out, v);
  return out;
}

function without(a: readonly number[], v: number): number[] {
  return a.filter((x) => x !== v);
}

function insertSorted(a: number[], v: number): void {
  let i = a.length;
  a.push(v);
  while (i > 0 && a[i - 1]! > v) {
    a[i] = a[i - 1]!;
    i--;
  }
  a[i] = v;
}

function removeSorted(a: number[], v: number): void {
  const i = a.indexOf(v);
  if (i >= 0) a.splice(i, 1);
}
