// Does a candidate campaign reproduce the violation? Each try is a real `rdma-chaos run` on the
// one reused cluster (its own process, as a night's runs are: a crash ends that try only). It
// counts when the same checker reports a violation with the same pattern and none of the
// candidate's faults read `mismatch`: a fault that did not take effect proves nothing. Every
// try and its outcome go to shrink.jsonl as they end, so a killed shrink leaves its log.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { RUN_FILES, RunResults, type CommandContext } from '../../core';
import { runChild } from '../nightly';
import type { Candidate, Raw } from './search';

export interface Target {
  checker: string;
  /** the pattern label; undefined: the violation kind must match instead */
  pattern?: string;
  kind: string;
}

export interface OracleOptions {
  dir: string;
  store: string;
  cluster: string;
  seed: number;
  runs: number;
  need: number;
  target: Target;
  checkTimeoutMs: number;
  trustOnFirstUse?: boolean;
  /** run all `runs`, not only until the outcome is settled (to count, not to decide) */
  every?: boolean;
  /** what its tries are called in file names and progress lines (default candidate) */
  label?: string;
  /** each run's wall time cap */
  timeoutMs: number;
  log(entry: Record<string, unknown>): void;
  note(l: string): void;
}

export interface TryOutcome {
  run: number;
  seed: number;
  reproduced: boolean;
  verdict?: string;
  dir?: string;
  /** why it does not count, when it does not */
  why?: string;
  ms: number;
}

export function candidateYaml(c: Raw, header = ''): string {
  return header + stringify(c, { lineWidth: 0 });
}

/** JSON with every object's keys in order: two campaigns the loader reads the same compare equal */
const canon = (x: unknown): string => JSON.stringify(x, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Raw).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));

/**
 * The campaign without the fields the loader would fill in with the same value anyway: a stored
 * run's campaign carries every default (rnr_retry, concurrency: 1, reads: 0, ...), and the
 * campaign an operator files should say only what matters. Only the top level, qp and the
 * workloads are trimmed.
 */
export function withoutDefaults(c: Raw, parse: (c: Raw) => unknown): Raw {
  const read = (x: Raw): string | undefined => {
    try {
      return canon(parse(x));
    } catch {
      return undefined;
    }
  };
  const want = read(c);
  if (want === undefined) return c;
  let cur = JSON.parse(JSON.stringify(c)) as Raw;
  // the cluster's size and the fault steps are what the search cuts and narrows: they stay written.
  // Inner objects first, so a qp left empty can go from the top level after them
  const at: ((x: Raw) => Raw | undefined)[] = [...((c.workloads as Raw[] | undefined) ?? []).map((_, i) => (x: Raw) => (x.workloads as Raw[])[i]), (x) => x.qp as Raw | undefined, (x) => x];
  for (const get of at) {
    for (const k of Object.keys(get(cur) ?? {})) {
      const next = JSON.parse(JSON.stringify(cur)) as Raw;
      const o = get(next)!;
      if (o[k] !== null && typeof o[k] === 'object' && !Array.isArray(o[k]) && Object.keys(o[k] as Raw).length) continue;
      delete o[k];
      if (read(next) === want) cur = next;
    }
  }
  return cur;
}

/** the target violation in a run's results, and whether its faults all took effect */
export function judge(r: RunResults, t: Target): { reproduced: boolean; why?: string } {
  const check = r.checks.find((c) => c.checker === t.checker);
  const hit = check?.violations.some((v) => (t.pattern ? v.pattern === t.pattern : v.kind === t.kind));
  if (!hit) {
    const seen = r.checks.flatMap((c) => c.violations.map((v) => `${c.checker}: ${v.pattern ?? v.kind}`));
    return { reproduced: false, why: `no ${t.pattern ?? t.kind} from ${t.checker}${seen.length ? ` (saw ${[...new Set(seen)].join('; ')})` : ` (verdict ${r.verdict})`}` };
  }
  const off = r.faults.filter((f) => f.confirmation?.status === 'mismatch');
  if (off.length) return { reproduced: false, why: `fault ${off.map((f) => f.id).join(', ')} did not take effect (mismatch)` };
  return { reproduced: true };
}

/** a candidate's tries: whether it reproduced in `need` of them, and how many did */
export interface Trial {
  ok: boolean;
  reproduced: number;
  runs: number;
}

/** the search's test: does the candidate reproduce? */
export function makeOracle(ctx: CommandContext, o: OracleOptions): (c: Candidate) => Promise<boolean> {
  const trial = makeTrial(ctx, o);
  return async (c) => (await trial(c)).ok;
}

export function makeTrial(ctx: CommandContext, o: OracleOptions): (c: Candidate) => Promise<Trial> {
  let n = 0;
  return async (c) => {
    const id = ++n;
    const label = o.label ?? 'candidate';
    const file = path.join(o.dir, `${label}-${id}.yaml`);
    fs.writeFileSync(file, candidateYaml(c.campaign, `# shrink ${label} ${id}: ${c.what}\n`));
    let good = 0;
    const tries: TryOutcome[] = [];
    for (let k = 0; k < o.runs; k++) {
      // enough already, or no longer reachable
      if (ctx.signal.aborted || (!o.every && (good >= o.need || good + (o.runs - k) < o.need))) break;
      const seed = o.seed + k;
      o.note(`${label} ${id}: ${c.what}: run ${k + 1} of ${o.runs} (seed ${seed})`);
      const args = ['run', file, '--store', o.store, '--seed', String(seed), '--cluster', o.cluster, '--json', '--keep-cluster', '--quiet', '--check-timeout', String(o.checkTimeoutMs / 1000), ...(o.trustOnFirstUse ? ['--trust-on-first-use'] : [])];
      const end = await runChild({ args, timeoutMs: o.timeoutMs, signal: ctx.signal, line: () => undefined, onDir: () => undefined, onPid: () => undefined });
      const t: TryOutcome = { run: k + 1, seed, reproduced: false, ms: end.ms, ...(end.dir ? { dir: end.dir } : {}) };
      const res = end.dir ? path.join(end.dir, RUN_FILES.results) : undefined;
      if (res && fs.existsSync(res)) {
        const r = RunResults.parse(JSON.parse(fs.readFileSync(res, 'utf8')));
        const j = judge(r, o.target);
        t.verdict = r.verdict;
        t.reproduced = j.reproduced;
        if (j.why) t.why = j.why;
      } else {
        t.why = end.timedOut ? 'the run timed out' : `the run ended without results (exit ${end.exitCode ?? end.signal}): ${end.tail.slice(-2).join(' | ')}`;
      }
      if (t.reproduced) good++;
      tries.push(t);
    }
    const ok = good >= o.need;
    // a try cut short by an interrupt says nothing either way
    if (ctx.signal.aborted && !ok) {
      o.log({ candidate: id, what: c.what, file: path.basename(file), reproduced: null, interrupted: true, of: `${good}/${tries.length}`, runs: tries, campaign: c.campaign });
      o.note(`${label} ${id}: ${c.what}: interrupted (${good} of ${tries.length} runs so far)`);
      return { ok: false, reproduced: good, runs: tries.length };
    }
    o.log({ candidate: id, what: c.what, file: path.basename(file), reproduced: ok, of: `${good}/${tries.length}`, runs: tries, campaign: c.campaign });
    o.note(`${label} ${id}: ${c.what}: ${ok ? 'reproduces' : 'does not reproduce'} (${good} of ${tries.length} runs${ok ? '' : tries.find((t) => t.why) ? `; ${tries.find((t) => t.why)!.why}` : ''})`);
    return { ok, reproduced: good, runs: tries.length };
  };
}
