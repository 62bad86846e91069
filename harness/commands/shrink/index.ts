// `rdma-chaos shrink RUN_DIR`: from a stored run with a violation to the smallest campaign that
// still reproduces it (the same checker, the same pattern, in --need of --runs real runs on one
// reused cluster). The search is search.ts; each candidate is a real run (oracle.ts). Everything
// it writes stays under the run directory: shrink.jsonl (every candidate and its outcome, as it
// ends), shrink/ (candidate YAMLs and their runs), and the result, shrunk.yaml unless --out.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { parseCampaign, planRun } from '../../campaign';
import { durationMs, InputError, loadOps, RUN_FILES, runDataFile, RunResults, type CommandContext, type Operation, type Shrunk } from '../../core';
import { workloadPatterns } from '../../../workloads';
import { fmtMs as fmt } from '../nightly';
import { candidateYaml, makeOracle, makeTrial, withoutDefaults, type OracleOptions, type Target } from './oracle';
import { cutAt, shrinkCampaign, type Raw } from './search';

export interface ShrinkOptions {
  runs: number;
  need: number;
  budget: string;
  out?: string;
  cluster?: string;
  trustOnFirstUse?: boolean;
  checkTimeout?: number;
  json?: boolean;
  quiet?: boolean;
}

export const SHRINK_LOG = 'shrink.jsonl';

/** when the last of a violation's ops answered (the earliest violation makes the shortest cut) */
const endOf = (ids: readonly number[], ops: readonly Operation[]): number => ids.reduce((m, i) => Math.max(m, ops[i]?.retTime ?? ops[i]?.callTime ?? -Infinity), -Infinity);

/**
 * The violation to keep: one with a pattern the campaign expected, else one with a known pattern,
 * else any; given the history, the one among those that ended first.
 */
export function targetOf(r: RunResults, dir: string, ops?: readonly Operation[]): Target & { ops: number[] } {
  const all = r.checks.flatMap((c) => c.violations.map((v) => ({ checker: c.checker, v })));
  if (ops) all.sort((a, b) => endOf(a.v.ops, ops) - endOf(b.v.ops, ops));
  const expected = new Set((r.expected?.patterns ?? []).map((n) => workloadPatterns().find((p) => p.name === n)?.label));
  const pick = all.find((x) => x.v.pattern && expected.has(x.v.pattern)) ?? all.find((x) => x.v.pattern) ?? all[0];
  if (!pick) throw new InputError('shrink.noViolation', `${dir}: the run found no violation (verdict ${r.verdict}): there is nothing to shrink`);
  return { checker: pick.checker, kind: pick.v.kind, ...(pick.v.pattern ? { pattern: pick.v.pattern } : {}), ops: pick.v.ops };
}

/** how far before the violating ops a fault still counts as in place around them */
const SUSPECT_LEAD_NS = 1e9;

/**
 * When the violation happened, in the history's clock: from just before the first violating op
 * to the last answer among them and the re-posts on their keys then outstanding (a re-posted op
 * often is not in the checker's set: the ops that saw its second effect are).
 */
export function windowOf(ops: readonly Operation[], ids: readonly number[]): { from: number; to: number } | undefined {
  const mine = ids.map((i) => ops[i]).filter((op): op is Operation => op?.callTime !== undefined);
  if (!mine.length) return undefined;
  const from = mine.reduce((m, op) => Math.min(m, op.callTime!), Infinity) - SUSPECT_LEAD_NS;
  let to = endOf(ids, ops);
  const keys = new Set(mine.map((op) => String(op.key)));
  for (const op of ops) {
    if (op.rdma?.repost && keys.has(String(op.key)) && op.callTime !== undefined && op.callTime <= to && (op.retTime ?? Infinity) >= from) to = Math.max(to, op.retTime ?? op.callTime);
  }
  return { from, to };
}

/** the faults in place around the violating ops, the search's first guess */
export function suspectsOf(r: RunResults, ops: readonly Operation[], ids: readonly number[]): string[] {
  const w = windowOf(ops, ids);
  if (!w) return [];
  return r.faults.filter((f) => f.start !== undefined && f.start <= w.to && (f.stop ?? Infinity) >= w.from).map((f) => f.id);
}

/**
 * Where to cut the campaign so it still holds the violation: its end, counted from the first op
 * (the workloads start with the run), with a margin of 10 % and 5 s. A loaded host runs the
 * schedule late, never early, so a fault seen before the violation was planned before the cut.
 * Undefined when the cut would not save at least a third of the run.
 */
export function cutOf(ops: readonly Operation[], ids: readonly number[], runMs: number): number | undefined {
  const w = windowOf(ops, ids);
  const first = ops.reduce((m, op) => (op.callTime !== undefined && op.callTime < m ? op.callTime : m), Infinity);
  if (!w || !Number.isFinite(first)) return undefined;
  const cut = Math.ceil(((w.to - first) / 1e6) * 1.1 / 1000 + 5) * 1000;
  return cut <= (runMs * 2) / 3 ? cut : undefined;
}

/** the run's campaign as data, its random schedule written out as the steps it planned */
export function startingPoint(text: string, file: string, seed: number): Raw {
  const raw = parse(text) as Raw;
  const c = parseCampaign(file, text, { stored: true });
  const faults = (raw.faults ?? {}) as Raw;
  // every step named as its run named it, so names stay put as steps go
  faults.timeline = ((faults.timeline ?? []) as Raw[]).map((f, i) => ({ ...f, id: f.id ?? `f${i + 1}-${String(f.kind)}` }));
  raw.faults = faults;
  if (faults.random) {
    const plan = planRun(c, seed);
    raw.faults = {
      timeline: plan.faults.map((f) => ({ at: `${Math.round(f.startMs)}ms`, kind: f.kind, target: f.target, ...(Number.isFinite(f.stopMs) ? { duration: `${Math.round(f.stopMs - f.startMs)}ms` } : {}), params: f.params, id: f.id })),
    };
  }
  // the candidates' runs get their seeds from the shrinker; their verdict is judged by it
  delete raw.seed;
  delete raw.expect;
  delete raw.shrunk;
  return raw;
}

export async function shrinkCommand(ctx: CommandContext, runDir: string, o: ShrinkOptions): Promise<number> {
  const dir = path.resolve(runDir);
  const resFile = path.join(dir, RUN_FILES.results);
  const campFile = path.join(dir, RUN_FILES.campaign);
  if (!fs.existsSync(campFile)) throw new InputError('shrink.notARun', `${runDir}: not a run directory (no ${RUN_FILES.campaign})`);
  if (!fs.existsSync(resFile)) throw new InputError('shrink.unchecked', `${runDir}: no ${RUN_FILES.results}; check it first with \`rdma-chaos recheck ${runDir}\``);
  if (o.need < 1 || o.need > o.runs) throw new InputError('shrink.badNeed', `--need ${o.need} must be between 1 and --runs ${o.runs}`);
  const budgetMs = parseBudget(o.budget);
  const results = RunResults.parse(JSON.parse(fs.readFileSync(resFile, 'utf8')));
  const { ops } = loadOps(runDataFile(dir, 'history') ?? path.join(dir, RUN_FILES.history), 'native');
  const target = targetOf(results, runDir, ops);
  const start = startingPoint(fs.readFileSync(campFile, 'utf8'), campFile, results.seed);
  const out = path.resolve(o.out ?? path.join(dir, 'shrunk.yaml'));
  if (!fs.existsSync(path.dirname(out))) throw new InputError('shrink.badOutput', `--out ${o.out}: directory ${path.dirname(out)} does not exist`);

  const work = path.join(dir, 'shrink');
  fs.mkdirSync(work, { recursive: true });
  const logFile = path.join(dir, SHRINK_LOG);
  const t0 = Date.now();
  const say = (l: string): void => void (o.quiet ? undefined : ctx.stderr.write(`rdma-chaos: shrink [${fmt(Date.now() - t0)}/${fmt(budgetMs)}] ${l}\n`));
  const log = (e: Record<string, unknown>): void => fs.appendFileSync(logFile, JSON.stringify({ time: new Date().toISOString(), ...e }) + '\n');
  const startMs = durationMs((start.duration ?? '60s') as string);
  const cluster = o.cluster ?? results.cluster.driver;
  const wantText = target.pattern ? `${target.pattern} from ${target.checker}` : `${target.kind} from ${target.checker}`;
  say(`keeping ${wantText}, in ${o.need} of ${o.runs} runs, on ${cluster}; budget ${fmt(budgetMs)}; log ${logFile}`);
  const oracle: OracleOptions = {
    dir: work, store: path.join(work, 'store'), cluster, seed: results.seed, runs: o.runs, need: o.need, target,
    checkTimeoutMs: (o.checkTimeout ?? 120) * 1000,
    ...(o.trustOnFirstUse ? { trustOnFirstUse: true } : {}),
    // a run of the original's length, with time to boot, check and heal
    timeoutMs: Math.max(10 * 60_000, 3 * startMs),
    log, note: say,
  };
  const test = makeOracle(ctx, oracle);
  const valid = (c: Raw): boolean => {
    try {
      parseCampaign('candidate.yaml', candidateYaml(c));
      return true;
    } catch {
      return false;
    }
  };

  // the original first: a violation that does not come back cannot be shrunk against. A long run
  // whose violation came early is first tried cut after it; when that reproduces, it stands for
  // the original (it is a smaller campaign that reproduces) at a fraction of the cost
  let from = start;
  let before = 1;
  const cut = cutOf(ops, target.ops, startMs);
  const cutCampaign = cut !== undefined ? cutAt(start, cut) : undefined;
  if (cut !== undefined && cutCampaign && valid(cutCampaign)) {
    say(`the violation ends ${fmt(cut)} into the run (with a margin): trying the campaign cut there first`);
    if (await test({ campaign: cutCampaign, what: `the run's own campaign, cut at ${fmt(cut)}` })) from = cutCampaign;
    else before++;
  }
  if (from === start && !(await test({ campaign: start, what: 'the run\'s own campaign' }))) {
    say(`the run's own campaign did not reproduce ${wantText} in ${o.need} of ${o.runs} runs: nothing to shrink against (see ${logFile})`);
    return 2;
  }
  const suspects = suspectsOf(results, ops, target.ops);
  if (suspects.length) say(`in place around the violation: ${suspects.join(', ')} (tried alone first)`);
  const r = await shrinkCampaign(from, { test, valid, suspects, outOfTime: () => ctx.signal.aborted || Date.now() - t0 >= budgetMs });
  // the result once more, every run, with seeds the search never used: a flaky violation can pass
  // `need` of `runs` by luck, and whoever files the campaign should know how it does on new seeds
  let recheck: Shrunk['recheck'];
  if (!ctx.signal.aborted) {
    const seed = results.seed + 1000;
    const again = makeTrial(ctx, { ...oracle, seed, every: true, label: 'recheck', log: (e) => log({ recheck: true, ...e }) });
    const t = await again({ campaign: r.campaign, what: 'the result, with new seeds' });
    recheck = { seeds: [seed, seed + o.runs - 1], reproduced: t.reproduced, runs: t.runs };
  }
  const count = (c: Raw, k: 'faults' | 'workloads'): number => (k === 'faults' ? ((c.faults as Raw | undefined)?.timeline as unknown[] | undefined)?.length ?? 0 : (c.workloads as unknown[]).length);
  const shrunk: Shrunk = {
    from: dir, seed: results.seed, candidates: r.tried + before, seconds: Math.round((Date.now() - t0) / 1000),
    faults: [count(start, 'faults'), count(r.campaign, 'faults')], workloads: [count(start, 'workloads'), count(r.campaign, 'workloads')],
    exhausted: r.exhausted || ctx.signal.aborted, reproduced: `${o.need} of ${o.runs}`, ...(recheck ? { recheck } : {}),
  };
  const pattern = workloadPatterns().find((p) => p.label === target.pattern)?.name;
  const final = { ...withoutDefaults(r.campaign, (x) => parseCampaign('shrunk.yaml', candidateYaml(x))), name: `${String(start.name).slice(0, 72)}-shrunk`, expect: { verdict: 'invalid', ...(pattern ? { patterns: [pattern] } : {}) }, shrunk };
  const header = [
    `# Shrunk by \`rdma-chaos shrink\` from ${dir} (seed ${results.seed}), keeping ${wantText}.`,
    `# ${shrunk.candidates} candidates tried in ${fmt(shrunk.seconds * 1000)}, each in ${o.need} of ${o.runs} runs: fault steps ${shrunk.faults[0]} -> ${shrunk.faults[1]}, workloads ${shrunk.workloads[0]} -> ${shrunk.workloads[1]}.`,
    ...(shrunk.exhausted ? [`# ${ctx.signal.aborted ? 'The shrink was interrupted' : `The budget (${fmt(budgetMs)}) ran out`} before the search ended: this is the smallest found, not a minimal one.`] : []),
    ...(recheck ? [`# Run again after the search with new seeds (${recheck.seeds[0]}..${recheck.seeds[1]}): reproduced in ${recheck.reproduced} of ${recheck.runs}${recheck.reproduced < o.need ? `, fewer than ${o.need}: a lead to look into, not a reliable reproducer` : ''}.`] : []),
    `# Every candidate and its runs: ${logFile}`,
    '',
  ].join('\n');
  fs.writeFileSync(out + '.tmp', candidateYaml(final, header));
  fs.renameSync(out + '.tmp', out);
  log({ done: true, out, shrunk });
  const summary = { out, ...shrunk, target: { checker: target.checker, kind: target.kind, ...(target.pattern ? { pattern: target.pattern } : {}) } };
  if (o.json) ctx.stdout.write(JSON.stringify(summary) + '\n');
  else ctx.stdout.write(`${out}: ${shrunk.faults[1]} fault step(s) of ${shrunk.faults[0]}, ${shrunk.workloads[1]} workload(s) of ${shrunk.workloads[0]}; ${shrunk.candidates} candidates in ${fmt(shrunk.seconds * 1000)}${shrunk.exhausted ? (ctx.signal.aborted ? ' (interrupted)' : ' (budget ran out)') : ''}${recheck ? `; with new seeds it reproduced in ${recheck.reproduced} of ${recheck.runs}` : ''}\n`);
  return ctx.signal.aborted ? 2 : 0;
}

function parseBudget(s: string): number {
  try {
    return durationMs(s as `${number}s`);
  } catch {
    throw new InputError('shrink.badBudget', `--budget ${s}: not a duration (30m, 2h, 90s)`);
  }
}
