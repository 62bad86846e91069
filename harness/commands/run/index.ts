// `rdma-chaos run CAMPAIGN` and `rdma-chaos recheck RUN_DIR`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verdictExit } from '../../checkers';
import { InputError, type CommandContext, type RunResults } from '../../core';
import { recheckRun, runCampaign } from '../../run';

export interface RunCommandOptions {
  seed?: number;
  store: string;
  cluster?: string;
  /** ssh: pin the keys of hosts with no pin yet, as they present them */
  trustOnFirstUse?: boolean;
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
  /** no progress lines */
  quiet?: boolean;
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
    ...(o.trustOnFirstUse ? { trustOnFirstUse: true } : {}),
    dryRun: o.dryRun === true,
    keepCluster: o.keepCluster === true,
    checkTimeoutMs: (o.checkTimeout ?? 120) * 1000,
    ...(o.influx ? { influx: o.influx } : {}),
    planJson: o.json === true,
    ...(o.quiet ? { quiet: true } : {}),
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
  // no results.json: an interrupted run, checked from its history and marked incomplete
  const r = recheckRun(dir, { timeoutMs: (o.checkTimeout ?? 120) * 1000, signal: ctx.signal });
  printResults(ctx, dir, r, o.json === true);
  return verdictExit(r.verdict);
}

function printResults(ctx: CommandContext, dir: string, r: RunResults, json: boolean, outputs: { report?: string; junit?: string } = {}): void {
  if (json) {
    ctx.stdout.write(JSON.stringify({ dir, ...outputs, campaign: r.campaign, seed: r.seed, verdict: r.verdict, ...(r.incomplete ? { incomplete: true, incompleteReason: r.incompleteReason } : {}), ...(r.nodesLost ? { nodesLost: r.nodesLost } : {}), expected: r.expected, clean: r.clean, faults: r.faults.map((f) => ({ id: f.id, kind: f.kind, targets: f.targets, ...(f.confirmation ? { confirmation: f.confirmation } : {}) })), checks: r.checks.map((c) => ({ checker: c.checker, verdict: c.verdict, violations: c.violations.length })), stats: r.stats }) + '\n');
    return;
  }
  ctx.stdout.write(`${r.campaign} (seed ${r.seed}): ${r.verdict}${r.expected ? ` (expected ${r.expected.verdict ?? 'any verdict'}${r.expected.patterns ? ` with ${r.expected.patterns.join(', ')}` : ''}: ${r.expected.matched ? 'as expected' : 'NOT as expected'})` : ''}\n`);
  if (r.incomplete) ctx.stdout.write(`  INCOMPLETE: ${r.incompleteReason ?? 'the run did not end'}\n`);
  if (r.nodesLost) ctx.stdout.write(`  NODE-LOST: ${r.nodesLost.join(', ')} (not restarted: bring ${r.nodesLost.length > 1 ? 'them' : 'it'} back before the next campaign)\n`);
  if (!r.clean) ctx.stdout.write('  WARNING: not every fault reads NotInjected at the end\n');
  // which faults the evidence shows took effect, and which it does not
  for (const f of r.faults) if (f.confirmation) ctx.stdout.write(`  fault ${f.id} (${f.kind} on ${f.targets.join(', ')}): ${f.confirmation.status}: ${f.confirmation.evidence}\n`);
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
