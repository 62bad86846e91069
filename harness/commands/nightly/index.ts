// `rdma-chaos nightly SUITE`: a night of campaign runs on one cluster, unattended. The cluster
// comes up once and is reused (each run heals what the last one left); a run that fails, crashes
// or overruns ends that run, not the night; night.json is rewritten after every step, so
// `--resume` after a killed controller or a reboot checks the interrupted run and goes on. At
// the end: JUnit XML, a JSON summary, the store's index, and retention.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSuite, type Suite } from '../../campaign';
import { applyRetention, durationMs, identify, InputError, nightExit, parseKeep, NIGHT_FILES, type CommandContext, type Night, type NightRun } from '../../core';
import { acquireCluster, healCluster, statusLine } from '../../run';
import { runChild } from './child';

export { runChild, type ChildEnd } from './child';
import { createNight, readNight, saveNight, unfinishedNight, type OpenNight } from './night';
import { settleEnded, settleInterrupted } from './outcome';
import { lockSuite } from './lock';

export interface NightlyOptions {
  store: string;
  /** the night's budget, overriding the suite's (a duration: 6h, 90m) */
  budget?: string;
  resume?: boolean;
  /** repetitions of every campaign, overriding the suite's */
  repetitions?: number;
  /** compress run directories older than this (30d) or beyond the newest N per campaign */
  keep?: string;
  cluster?: string;
  trustOnFirstUse?: boolean;
  keepCluster?: boolean;
  checkTimeout?: number;
  /** every run streams its metrics here (run --influx) */
  influx?: string;
  json?: boolean;
  quiet?: boolean;
}

export async function nightlyCommand(ctx: CommandContext, suiteArg: string, o: NightlyOptions): Promise<number> {
  const suite = loadSuite(suiteArg);
  if (o.budget !== undefined) suite.budgetMs = parseBudget(o.budget);
  if (o.repetitions !== undefined) for (const e of suite.entries) e.repetitions = o.repetitions;
  const retention = o.keep !== undefined ? keepPolicy(o.keep) : undefined;
  const cluster = o.cluster ?? suite.cluster ?? 'local';
  fs.mkdirSync(o.store, { recursive: true });
  const store = path.resolve(o.store);
  const say = (l: string): void => void (o.quiet ? undefined : ctx.stderr.write(`rdma-chaos: ${l}\n`));
  const unlock = lockSuite(store, suite.name);
  try {
    const open = openNight(store, suite, cluster, o.resume === true, say);
    const log = nightLog(open.dir);
    const note = (l: string): void => (log(l), say(l));
    note(`${open.resumed ? 'resuming' : 'starting'} night ${open.night.night} of suite ${suite.name}: ${open.night.runs.length} runs on ${cluster}, budget ${fmtMs(open.night.budgetMs)}`);
    await bringUpCluster(open, cluster, suite, o, note);
    saveNight(open.dir, open.night);
    const checkTimeoutMs = (o.checkTimeout ?? 120) * 1000;
    for (const r of open.night.runs.filter((x) => x.status === 'running')) {
      await settleInterrupted(store, r, checkTimeoutMs, note);
      saveNight(open.dir, open.night);
    }
    await runNight(ctx, store, suite, open, { ...o, cluster, checkTimeoutMs, note, log });
    if (ctx.signal.aborted) {
      note(`interrupted: the night is kept unfinished; \`rdma-chaos nightly ${suiteArg} --store ${o.store} --resume\` goes on from the next run`);
      return 2;
    }
    return await endNight(ctx, store, open, { ...o, note, retention });
  } finally {
    unlock();
  }
}

function openNight(store: string, suite: Suite, cluster: string, resume: boolean, say: (l: string) => void): OpenNight {
  if (resume) {
    const dir = unfinishedNight(store, suite.name);
    if (dir) {
      const night = readNight(dir);
      night.starts += 1;
      return { night, dir, resumed: true };
    }
    say(`--resume: no unfinished night of ${suite.name} in ${store}: starting a new one`);
  }
  return createNight(store, suite, cluster, new Date());
}

/**
 * Get the cluster now, not in the first run: local boots (or reuses) one big enough for every
 * campaign left; any driver then heals what a killed controller left in effect (a pulled cable,
 * a paused agent), so a resumed night starts on a healed cluster even when no run is left.
 */
async function bringUpCluster(open: OpenNight, cluster: string, suite: Suite, o: { trustOnFirstUse?: boolean }, note: (l: string) => void): Promise<void> {
  const files = new Set(open.night.runs.filter((r) => r.status !== 'done').map((r) => r.file));
  const entries = suite.entries.filter((e) => files.has(e.file));
  const nodes = Math.max(1, ...entries.map((e) => e.nodes));
  const rails = Math.max(1, ...entries.map((e) => e.rails));
  if (entries.length === 0 && !open.resumed) return;
  const t0 = Date.now();
  const c = await acquireCluster(cluster, nodes, rails, (l) => note(l), o.trustOnFirstUse ? { trustOnFirstUse: true } : {});
  try {
    const healed = await healCluster(c.driver, c.journal, note);
    if (healed.length) note(`healed what the last controller left: ${healed.join(', ')}`);
  } finally {
    await c.driver.close();
  }
  open.night.clusterBootMs = (open.night.clusterBootMs ?? 0) + (Date.now() - t0);
  if (c.booted) open.night.clusterBooted = true;
  note(`cluster: ${c.booted ? 'booted a' : 'using the'} ${cluster} cluster (${fmtMs(Date.now() - t0)})`);
}

interface NightRunOptions extends NightlyOptions {
  cluster: string;
  checkTimeoutMs: number;
  note(l: string): void;
  log(l: string): void;
}

async function runNight(ctx: CommandContext, store: string, suite: Suite, open: OpenNight, o: NightRunOptions): Promise<void> {
  const { night } = open;
  const started = Date.parse(night.startedAt);
  const timeoutOf = (r: NightRun): number => suite.entries.find((e) => e.file === r.file)?.timeoutMs ?? 30 * 60_000;
  const total = night.runs.length;
  for (const r of night.runs) {
    if (r.status !== 'pending') continue;
    if (ctx.signal.aborted) return;
    const at = night.runs.indexOf(r) + 1;
    if (Date.now() - started >= night.budgetMs) {
      Object.assign(r, { status: 'done', outcome: 'skipped', message: `the night's budget (${fmtMs(night.budgetMs)}) was spent before it` });
      saveNight(open.dir, night);
      continue;
    }
    r.status = 'running';
    r.startedAt = new Date().toISOString();
    saveNight(open.dir, night);
    o.note(`[${at}/${total} ${fmtMs(Date.now() - started)}/${fmtMs(night.budgetMs)}] ${r.id}: ${path.relative(process.cwd(), r.file) || r.file}, seed ${r.seed}`);
    const args = ['run', r.file, '--store', store, '--seed', String(r.seed), '--cluster', o.cluster, '--json', '--report', '--keep-cluster', '--check-timeout', String(o.checkTimeoutMs / 1000), ...(o.trustOnFirstUse ? ['--trust-on-first-use'] : []), ...(o.influx ? ['--influx', o.influx] : [])];
    const end = await runChild({
      args, timeoutMs: timeoutOf(r), signal: ctx.signal,
      line: (l) => {
        o.log(`${r.id}: ${l}`);
        // the run's own progress (elapsed/planned, ops/s, ok/info/fail, faults), under the night's
        if (!o.quiet && /^\[\s*\d+s\//.test(l)) {
          if (ctx.stderr.isTTY) ctx.stderr.write(statusLine(`${r.id} ${l}`, ctx.stderr.columns));
          else ctx.stderr.write(`rdma-chaos: ${r.id}: ${l}\n`);
        }
      },
      onPid: (pid) => {
        const p = identify(pid, 'run', '');
        if (p) r.pid = { pid, starttime: p.starttime };
        saveNight(open.dir, night);
      },
      onDir: (d) => {
        r.dir = path.relative(store, path.resolve(d));
        saveNight(open.dir, night);
      },
    });
    if (!o.quiet && ctx.stderr.isTTY) ctx.stderr.write(statusLine('', ctx.stderr.columns));
    settleEnded(store, r, end, timeoutOf(r));
    saveNight(open.dir, night);
    o.note(`[${at}/${total}] ${r.id}: ${r.outcome}${r.verdict ? ` (verdict ${r.verdict}${r.expected ? `, expected ${r.expected.verdict ?? 'any'}` : ''})` : ''}${r.message ? `: ${r.message}` : ''} in ${fmtMs(end.ms)}`);
  }
}

interface EndOptions extends NightlyOptions {
  note(l: string): void;
  retention?: (store: string) => Promise<string[]>;
}

async function endNight(ctx: CommandContext, store: string, open: OpenNight, o: EndOptions): Promise<number> {
  const { night } = open;
  night.exitCode = nightExit(night.runs);
  night.endedAt = new Date().toISOString();
  saveNight(open.dir, night);
  const reports = await import('../../../reports');
  const reportOf = (r: NightRun): string | undefined => (r.dir && fs.existsSync(path.join(store, r.dir, 'report.html')) ? path.join(store, r.dir, 'report.html') : undefined);
  fs.writeFileSync(path.join(open.dir, NIGHT_FILES.junit), reports.nightJunitXml(night, reportOf));
  const summary = nightSummary(open);
  fs.writeFileSync(path.join(open.dir, NIGHT_FILES.summary), JSON.stringify(summary, null, 1) + '\n');
  const compressed = (await o.retention?.(store)) ?? [];
  if (compressed.length) o.note(`retention (--keep ${o.keep}): compressed ${compressed.length} run director${compressed.length === 1 ? 'y' : 'ies'}`);
  let index: string | undefined;
  try {
    index = reports.buildIndex(store).file;
  } catch (e: unknown) {
    o.note(`the index could not be written: ${(e as Error).message}`);
  }
  if (night.clusterBooted && !o.keepCluster && night.cluster === 'local') {
    o.note('taking down the cluster this night booted');
    const { clusterDown, localStatus } = await import('../../cluster/local');
    await clusterDown(localStatus().stateDir).catch((e: unknown) => o.note(`cluster down failed: ${(e as Error).message}`));
  }
  const out = { ...summary, junit: path.join(open.dir, NIGHT_FILES.junit), summaryFile: path.join(open.dir, NIGHT_FILES.summary), ...(index ? { index } : {}) };
  if (o.json) ctx.stdout.write(JSON.stringify(out) + '\n');
  else printNight(ctx, out);
  return night.exitCode;
}

export interface NightSummary {
  suite: string;
  night: string;
  dir: string;
  exitCode: number;
  startedAt: string;
  endedAt: string;
  wallMs: number;
  starts: number;
  outcomes: Record<string, number>;
  /** ms spent getting the cluster (the night's boot plus each run's acquire), in workloads and checking */
  phases: { clusterMs: number; workloadMs: number; checkMs: number; otherMs: number };
  runs: Array<Pick<NightRun, 'id' | 'campaign' | 'repetition' | 'seed' | 'outcome' | 'verdict' | 'dir' | 'durationMs' | 'message' | 'incomplete'>>;
}

export function nightSummary(open: OpenNight): NightSummary {
  const n: Night = open.night;
  const outcomes: Record<string, number> = {};
  for (const r of n.runs) outcomes[r.outcome ?? 'pending'] = (outcomes[r.outcome ?? 'pending'] ?? 0) + 1;
  const sum = (k: 'clusterMs' | 'workloadMs' | 'checkMs'): number => n.runs.reduce((s, r) => s + (r.phases?.[k] ?? 0), 0);
  const wallMs = Date.parse(n.endedAt ?? new Date().toISOString()) - Date.parse(n.startedAt);
  const clusterMs = (n.clusterBootMs ?? 0) + sum('clusterMs');
  const workloadMs = sum('workloadMs');
  const checkMs = sum('checkMs');
  return {
    suite: n.suite, night: n.night, dir: open.dir, exitCode: n.exitCode ?? -1, startedAt: n.startedAt, endedAt: n.endedAt ?? '', wallMs, starts: n.starts, outcomes,
    phases: { clusterMs, workloadMs, checkMs, otherMs: Math.max(0, wallMs - clusterMs - workloadMs - checkMs) },
    runs: n.runs.map((r) => ({ id: r.id, campaign: r.campaign, repetition: r.repetition, seed: r.seed, ...(r.outcome ? { outcome: r.outcome } : {}), ...(r.verdict ? { verdict: r.verdict } : {}), ...(r.dir ? { dir: r.dir } : {}), ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}), ...(r.message ? { message: r.message } : {}), ...(r.incomplete ? { incomplete: true as const } : {}) })),
  };
}

function printNight(ctx: CommandContext, s: NightSummary & { junit: string; index?: string }): void {
  const w = (l: string): void => void ctx.stdout.write(`${l}\n`);
  w(`night ${s.night} of ${s.suite}: exit ${s.exitCode} (${Object.entries(s.outcomes).map(([k, v]) => `${v} ${k}`).join(', ')}) in ${fmtMs(s.wallMs)}${s.starts > 1 ? `, ${s.starts} starts` : ''}`);
  for (const r of s.runs) w(`  ${(r.outcome ?? 'pending').padEnd(9)} ${r.id} (seed ${r.seed})${r.verdict ? `: ${r.verdict}` : ''}${r.incomplete ? ', incomplete' : ''}${r.message ? ` — ${r.message}` : ''}`);
  w(`  time: cluster ${fmtMs(s.phases.clusterMs)}, workloads ${fmtMs(s.phases.workloadMs)}, checking ${fmtMs(s.phases.checkMs)}, other ${fmtMs(s.phases.otherMs)}`);
  w(`  night: ${s.dir}`);
  w(`  JUnit XML: ${s.junit}`);
  if (s.index) w(`  index: ${s.index}`);
}

function nightLog(dir: string): (l: string) => void {
  const file = path.join(dir, NIGHT_FILES.log);
  return (l) => fs.appendFileSync(file, `${new Date().toISOString()} ${l}\n`);
}

function parseBudget(v: string): number {
  const ms = /^\d+(\.\d+)?(ms|s|m|h)$/.test(v) ? durationMs(v) : NaN;
  if (!Number.isFinite(ms) || ms <= 0) throw new InputError('nightly.badBudget', `--budget ${v}: expected a duration like 6h or 90m`);
  return ms;
}

function keepPolicy(v: string): (store: string) => Promise<string[]> {
  // parsed first: a bad --keep is refused before the night starts
  const keep = parseKeep(v);
  return async (store) => (await applyRetention(store, keep)).compressed.map((c) => c.dir);
}

export function fmtMs(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 90) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

