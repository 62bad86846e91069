// The shrinking search, pure: given a campaign (as its YAML data) that reproduces a violation
// and a test that runs a candidate, find a smaller one that still does. Delta debugging (ddmin,
// Zeller and Hildebrandt) over the fault steps, the workloads and every list parameter, and
// bisection over numbers, in the order: faults, then workloads, then the cluster. The
// test is the expensive part (real runs), so candidates are memoised and the budget is checked
// before each: out of budget, the search stops with the smallest campaign proved so far.
import { durationToMs } from '../../core';

export type Raw = Record<string, unknown>;

export interface Candidate {
  campaign: Raw;
  /** what this candidate changes, for the log and the progress line */
  what: string;
}

export interface SearchOptions {
  /** does the candidate reproduce? (the caller runs it, --runs times, and counts) */
  test(c: Candidate): Promise<boolean>;
  /** a candidate the loader refuses (a node that does not exist, a policy without its rail) is never run */
  valid(c: Raw): boolean;
  /** true once the budget is spent */
  outOfTime(): boolean;
  /** fault step ids to try alone first: those in place around the violating ops */
  suspects?: readonly string[];
}

export interface SearchResult {
  campaign: Raw;
  /** candidates run (memoised repeats and refused ones not counted) */
  tried: number;
  /** the budget ran out before the search ended */
  exhausted: boolean;
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const list = (x: unknown): Raw[] => (Array.isArray(x) ? (x as Raw[]) : []);
const steps = (c: Raw): Raw[] => list((c.faults as Raw | undefined)?.timeline);

/** the smallest of two-stage search state: the best campaign and how many runs it took */
class Search {
  best: Raw;
  tried = 0;
  exhausted = false;
  private seen = new Map<string, boolean>();
  constructor(start: Raw, private o: SearchOptions) {
    this.best = clone(start);
  }

  /** run a candidate (once per distinct campaign); on success it becomes the best */
  async try(campaign: Raw, what: string): Promise<boolean> {
    const key = JSON.stringify(campaign);
    const known = this.seen.get(key);
    if (known !== undefined) return known;
    if (!this.o.valid(campaign)) {
      this.seen.set(key, false);
      return false;
    }
    if (this.o.outOfTime()) {
      this.exhausted = true;
      return false;
    }
    this.tried++;
    const ok = await this.o.test({ campaign, what });
    this.seen.set(key, ok);
    if (ok) this.best = clone(campaign);
    return ok;
  }
}

/**
 * ddmin: a 1-minimal sublist of `items` for which `test` holds, given that it holds for all of
 * them (each single item removed breaks it). `keep`: the fewest items a candidate may have.
 */
export async function ddmin<T>(items: readonly T[], test: (sub: T[]) => Promise<boolean>, keep = 0): Promise<T[]> {
  let cur = [...items];
  let n = 2;
  while (cur.length >= 2) {
    const chunks = split(cur, Math.min(n, cur.length));
    let next: T[] | undefined;
    for (const c of chunks) if (c.length >= Math.max(keep, 1) && (await test(c))) { next = c; n = 2; break; }
    if (!next && chunks.length > 2) {
      for (let i = 0; i < chunks.length && !next; i++) {
        const rest = chunks.filter((_, j) => j !== i).flat();
        if (rest.length >= keep && (await test(rest))) { next = rest; n = Math.max(n - 1, 2); }
      }
    }
    if (next) { cur = next; continue; }
    if (n >= cur.length) break;
    n = Math.min(cur.length, 2 * n);
  }
  return cur;
}

function split<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const size = Math.floor((xs.length - at) / (n - i));
    out.push(xs.slice(at, at + size));
    at += size;
  }
  return out.filter((c) => c.length);
}

/** the smallest value in [min, hi] that passes, hi known to pass, in at most `rounds` tests */
export async function bisectDown(hi: number, min: number, test: (v: number) => Promise<boolean>, rounds = 3, step = 1): Promise<number> {
  let lo = min;
  let best = hi;
  if (hi <= min) return hi;
  if (await test(min)) return min;
  for (let r = 1; r < rounds && best - lo > step; r++) {
    const mid = Math.max(lo + step, Math.round((lo + best) / 2 / step) * step);
    if (mid >= best) break;
    if (await test(mid)) best = mid;
    else lo = mid;
  }
  return best;
}

const ms = (v: unknown): number | undefined => durationToMs(v);

/**
 * The campaign ended at `cutMs`: steps that would begin in its last 2 s are dropped and the rest
 * end 1 s before it, so every fault heals inside the run. What happens after a violation cannot
 * have caused it, and a ten-minute run cut after a violation at 2 min costs a fifth per try.
 */
export function cutAt(c: Raw, cutMs: number): Raw {
  const kept = steps(c)
    .filter((x) => (ms(x.at) ?? 0) < cutMs - 2000)
    .map((x) => {
      const at = ms(x.at) ?? 0;
      const d = ms(x.duration);
      return d === undefined || at + d <= cutMs - 1000 ? x : { ...x, duration: dur(cutMs - 1000 - at) };
    });
  return { ...c, duration: dur(cutMs), faults: { ...(c.faults as Raw), timeline: kept } };
}
const dur = (m: number): string => (m % 1000 === 0 ? `${m / 1000}s` : `${m}ms`);

export async function shrinkCampaign(start: Raw, o: SearchOptions): Promise<SearchResult> {
  const s = new Search(start, o);
  const withSteps = (c: Raw, st: Raw[]): Raw => ({ ...c, faults: { ...(c.faults as Raw), timeline: st } });

  // 1. fault steps: drop them (ddmin), then shorten each, then narrow its list parameters
  let st0 = steps(s.best);
  const tryFaults = (sub: Raw[]): Promise<boolean> => s.try(withSteps(s.best, sub), `fault steps ${sub.map(stepName).join(', ') || '(no faults)'}`);
  // one cheap guess before the search: the faults that were in place when it went wrong
  const suspects = st0.filter((x) => o.suspects?.includes(stepName(x)));
  if (suspects.length && suspects.length < st0.length && (await tryFaults(suspects))) st0 = suspects;
  if (st0.length) {
    const kept = await ddmin(st0, tryFaults);
    s.best = withSteps(s.best, kept);
  }
  for (let i = 0; i < steps(s.best).length; i++) {
    const at = (v: (st: Raw) => Raw): Raw => withSteps(s.best, steps(s.best).map((x, j) => (j === i ? v(clone(x)) : x)));
    const step = steps(s.best)[i]!;
    const d = ms(step.duration) ?? Math.max(0, (ms(s.best.duration) ?? 0) - (ms(step.at) ?? 0));
    if (d > 1000) await bisectDown(d, 1000, (v) => s.try(at((x) => ({ ...x, duration: dur(v) })), `${stepName(step)} for ${dur(v)}`), 3, 500);
    const params = (steps(s.best)[i]!.params ?? {}) as Raw;
    for (const [k, v] of Object.entries(params)) {
      if (Array.isArray(v) && v.length > 1) {
        await ddmin(v, (sub) => s.try(at((x) => ({ ...x, params: { ...(x.params as Raw), [k]: sub } })), `${stepName(step)} ${k}: [${sub.join(', ')}]`), 1);
      } else if (k === 'rate' && typeof v === 'number' && v > 1) {
        await bisectDown(v, 1, (r) => s.try(at((x) => ({ ...x, params: { ...(x.params as Raw), rate: r } })), `${stepName(step)} rate ${r}`));
      }
    }
  }

  // 2. workloads: drop them, then cut clients and the numbers; then the run's duration
  const w0 = list(s.best.workloads);
  if (w0.length > 1) {
    const kept = await ddmin(w0, (sub) => s.try({ ...s.best, workloads: sub }, `workloads ${sub.map((w) => String(w.workload)).join(', ')}`), 1);
    if (kept.length < w0.length) s.best = { ...s.best, workloads: kept };
  }
  for (let i = 0; i < list(s.best.workloads).length; i++) {
    const at = (v: (w: Raw) => Raw): Raw => ({ ...s.best, workloads: list(s.best.workloads).map((x, j) => (j === i ? v(clone(x)) : x)) });
    const w = list(s.best.workloads)[i]!;
    const name = `workload ${i + 1} (${String(w.workload)})`;
    if (Array.isArray(w.clients) && w.clients.length > 1) await ddmin(w.clients as string[], (sub) => s.try(at((x) => ({ ...x, clients: sub })), `${name} clients [${sub.join(', ')}]`), 1);
    for (const k of ['concurrency', 'keys', 'depth', 'rate']) {
      const v = list(s.best.workloads)[i]![k];
      if (typeof v === 'number' && v > 1) await bisectDown(v, 1, (n) => s.try(at((x) => ({ ...x, [k]: n })), `${name} ${k} ${n}`));
    }
  }
  const total = ms(s.best.duration);
  const last = Math.max(0, ...steps(s.best).map((x) => (ms(x.at) ?? 0) + (ms(x.duration) ?? 0)));
  // a run must outlast its last fault, with a little of the healed state after it
  if (total !== undefined && total > last + 2000) await bisectDown(total, last + 2000, (v) => s.try({ ...s.best, duration: dur(v) }, `duration ${dur(v)}`), 3, 1000);

  // 3. the cluster: fewer nodes (the last one, when nothing names it), then fewer rails
  const cl = (s.best.cluster ?? {}) as Raw;
  for (let n = Number(cl.nodes ?? 3) - 1; n >= 1; n--) {
    const rest = JSON.stringify({ ...s.best, cluster: undefined });
    if (rest.includes(`"node${n + 1}"`)) break;
    if (!(await s.try({ ...s.best, cluster: { ...(s.best.cluster as Raw), nodes: n } }, `${n} node(s)`))) break;
  }
  if (Number(((s.best.cluster ?? {}) as Raw).rails ?? 2) > 1) await s.try({ ...s.best, cluster: { ...(s.best.cluster as Raw), rails: 1 } }, '1 rail');
  return { campaign: s.best, tried: s.tried, exhausted: s.exhausted };
}

export function stepName(x: Raw): string {
  return String(x.id ?? `${String(x.kind)}@${String(x.at)}`);
}
