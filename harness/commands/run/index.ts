// `rdma-chaos run CAMPAIGN` and `rdma-chaos recheck RUN_DIR`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verdictExit } from '../../checkers';
import { InputError, RUN_FILES, RunResults, healed, loadOps, type CommandContext, type FaultRecord } from '../../core';
import { checkRunDir, planStage, runCampaign, type RunMeta } from '../../run';

export interface RunCommandOptions {
  seed?: number;
  store: string;
  cluster?: string;
  replay?: string;
  dryRun?: boolean;
  keepCluster?: boolean;
  json?: boolean;
  checkTimeout?: number;
  /** write report.html into the run directory */
  report?: boolean;
  /** write JUnit XML here */
  junit?: string;
  /** stream live metrics to InfluxDB 1.x */
  influx?: string;
}

export async function runCommand(ctx: CommandContext, campaign: string | undefined, o: RunCommandOptions): Promise<number> {
  if (campaign && o.replay) throw new InputError('run.campaignAndReplay', 'give a campaign file or --replay RUN_DIR, not both');
  if (o.junit) {
    // refused before the run, not after ten minutes of it
    const dir = path.dirname(path.resolve(o.junit));
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new InputError('run.badOutput', `--junit ${o.junit}: directory ${dir} does not exist`);
  }
  const out = await runCampaign(ctx, {
    ...(campaign ? { campaignFile: campaign } : {}),
    ...(o.replay ? { replay: o.replay } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    store: o.store,
    ...(o.cluster ? { cluster: o.cluster } : {}),
    dryRun: o.dryRun === true,
    keepCluster: o.keepCluster === true,
    checkTimeoutMs: (o.checkTimeout ?? 120) * 1000,
    ...(o.influx ? { influx: o.influx } : {}),
    planJson: o.json === true,
  });
  if (!out.results) return 0; // dry run
  const dir = out.dir!;
  const outputs: { report?: string; junit?: string } = {};
  // the report and JUnit XML are written whatever the verdict; the exit code stays the verdict's
  if (o.report) {
    try {
      const { writeReport } = await import('../../../reports/html');
      outputs.report = writeReport(dir).file;
    } catch (e: unknown) {
      ctx.stderr.write(`rdma-chaos: writing the report failed: ${(e as Error).message}\n`);
    }
  }
  if (o.junit) {
    try {
      const { junitXml } = await import('../../../reports');
      fs.writeFileSync(o.junit, junitXml([{ results: out.results, ...(outputs.report ? { report: outputs.report } : {}) }]));
      outputs.junit = o.junit;
    } catch (e: unknown) {
      ctx.stderr.write(`rdma-chaos: writing ${o.junit} failed: ${(e as Error).message}\n`);
    }
  }
  printResults(ctx, dir, out.results, o.json === true, outputs);
  return verdictExit(out.results.verdict);
}

export async function recheckCommand(ctx: CommandContext, dir: string, o: { json?: boolean; checkTimeout?: number }): Promise<number> {
  const hist = path.join(dir, RUN_FILES.history);
  if (!fs.existsSync(hist)) throw new InputError('run.notARun', `${dir}: not a run directory (no ${RUN_FILES.history})`);
  const { campaign, seed } = planStage({ replay: dir });
  const prev = readPrevious(dir);
  // without a previous results.json (the run died before writing it), the history tells
  // which faults started and stopped, and how long the run lasted
  const fromHistory = prev ? undefined : faultsFromHistory(hist);
  const meta: RunMeta = {
    campaign,
    seed,
    startedAt: prev?.startedAt ?? new Date(fs.statSync(hist).birthtimeMs || fs.statSync(hist).mtimeMs).toISOString(),
    endedAt: prev?.endedAt ?? new Date(fs.statSync(hist).mtimeMs).toISOString(),
    durationMs: prev?.durationMs ?? fromHistory!.durationMs,
    cluster: prev?.cluster ?? { driver: campaign.cluster.driver, nodes: fromHistory!.nodes, rails: campaign.cluster.rails },
    faults: prev?.faults ?? fromHistory!.faults,
    findings: prev?.findings ?? [],
    clean: prev?.clean ?? fromHistory!.faults.every((f) => f.phase === 'NotInjected'),
    notes: [...(prev?.notes ?? []), `rechecked ${new Date().toISOString()}`],
    ...(prev?.infrastructureFault ? { infrastructureFault: prev.infrastructureFault } : {}),
  };
  const r = checkRunDir(dir, meta, (o.checkTimeout ?? 120) * 1000, ctx.signal);
  printResults(ctx, dir, r, o.json === true);
  return verdictExit(r.verdict);
}

function faultsFromHistory(file: string): { faults: FaultRecord[]; durationMs: number; nodes: string[] } {
  const { ops, faults } = loadOps(file, 'native');
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const op of ops) {
    if (op.callTime !== undefined) t0 = Math.min(t0, op.callTime);
    const end = op.retTime ?? op.callTime;
    if (end !== undefined) t1 = Math.max(t1, end);
  }
  return {
    durationMs: Number.isFinite(t0) && t1 >= t0 ? Math.round((t1 - t0) / 1e6) : 0,
    nodes: [...new Set(ops.map((o) => o.node).filter((n): n is string => !!n))].sort(),
    faults: faults.map((w) => {
      const r: FaultRecord = { id: w.id, kind: w.kind, targets: w.targets, params: w.params, phase: healed(w) ? 'NotInjected' : 'Injected' };
      if (w.start !== undefined) r.start = w.start;
      if (w.stop !== undefined) r.stop = w.stop;
      return r;
    }),
  };
}

function readPrevious(dir: string): RunResults | undefined {
  const f = path.join(dir, RUN_FILES.results);
  if (!fs.existsSync(f)) return undefined;
  const r = RunResults.safeParse(JSON.parse(fs.readFileSync(f, 'utf8')));
  return r.success ? r.data : undefined;
}

function printResults(ctx: CommandContext, dir: string, r: RunResults, json: boolean, outputs: { report?: string; junit?: string } = {}): void {
  if (json) {
    ctx.stdout.write(JSON.stringify({ dir, ...outputs, campaign: r.campaign, seed: r.seed, verdict: r.verdict, expected: r.expected, clean: r.clean, checks: r.checks.map((c) => ({ checker: c.checker, verdict: c.verdict, violations: c.violations.length })), stats: r.stats }) + '\n');
    return;
  }
  ctx.stdout.write(`${r.campaign} (seed ${r.seed}): ${r.verdict}${r.expected ? ` (expected ${r.expected.verdict ?? 'any verdict'}${r.expected.patterns ? ` with ${r.expected.patterns.join(', ')}` : ''}: ${r.expected.matched ? 'as expected' : 'NOT as expected'})` : ''}\n`);
  if (!r.clean) ctx.stdout.write('  WARNING: not every fault reads NotInjected at the end\n');
  for (const s of r.stats) ctx.stdout.write(`  ${s.workload}: ${s.ops} ops (${s.ok} ok, ${s.info} info, ${s.fail} fail), ${s.opsPerSec.toFixed(0)} ops/s\n`);
  for (const c of r.checks) {
    ctx.stdout.write(`  ${c.checker}: ${c.verdict}: ${c.summary}\n`);
    for (const v of c.violations.slice(0, 5)) ctx.stdout.write(`    - ${v.message}${v.pattern ? ` [${v.pattern}]` : ''}\n`);
  }
  for (const n of r.notes ?? []) ctx.stdout.write(`  note: ${n}\n`);
  ctx.stdout.write(`  run directory: ${dir}\n`);
  if (outputs.report) ctx.stdout.write(`  report: ${outputs.report}\n`);
  if (outputs.junit) ctx.stdout.write(`  JUnit XML: ${outputs.junit}\n`);
}
