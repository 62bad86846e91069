// `rdma-chaos report RUN_DIR`: the HTML report of a stored run, plus JUnit XML, a JSON summary
// and an InfluxDB export on request. `rdma-chaos report index STORE_DIR`: the nightly index.
// Writing a report succeeds with 0 whatever the run's verdict; the verdict is in the outputs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CommandContext } from '../../core';
import { InputError } from '../../core';

export interface ReportCommandOptions {
  out?: string;
  junit?: string;
  json?: boolean;
  influx?: string;
  influxDb?: string;
  detailMax?: number;
}

export interface ReportIndexOptions {
  out?: string;
  render?: boolean;
  nights?: number;
  json?: boolean;
}

function writableParent(file: string, flag: string): void {
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new InputError('report.badOutput', `${flag} ${file}: directory ${dir} does not exist`);
}

export async function reportCommand(ctx: CommandContext, runDir: string, opts: ReportCommandOptions): Promise<number> {
  const { assertRunDir } = await import('../../../reports');
  const { readResults } = await import('../../core');
  assertRunDir(runDir);
  if (opts.out) writableParent(opts.out, '--out');
  if (opts.junit) writableParent(opts.junit, '--junit');
  // a bad --influx URL is refused before any work is done
  if (opts.influx) {
    const { influxTarget } = await import('../../../reports');
    influxTarget({ url: opts.influx, ...(opts.influxDb ? { database: opts.influxDb } : {}) });
  }
  const { writeReport } = await import('../../../reports/html');
  const rep = writeReport(runDir, opts.out, opts.detailMax !== undefined ? { detailMax: opts.detailMax } : {});
  const results = readResults(path.join(runDir, 'results.json'));
  let junit: string | undefined;
  if (opts.junit) {
    const { junitXml } = await import('../../../reports');
    fs.writeFileSync(opts.junit, junitXml([{ results, report: rep.file }]));
    junit = opts.junit;
  }
  let influx: { url: string; points: number } | undefined;
  if (opts.influx) {
    const { exportRunToInflux } = await import('../../../reports');
    const r = await exportRunToInflux(runDir, { url: opts.influx, ...(opts.influxDb ? { database: opts.influxDb } : {}) });
    influx = { url: r.url, points: r.points };
  }
  if (opts.json) {
    const { summarize } = await import('../../../reports');
    ctx.stdout.write(JSON.stringify({ runDir, report: rep.file, bytes: rep.bytes, timeline: rep.mode, ...(junit ? { junit } : {}), ...(influx ? { influx } : {}), ...summarize(results) }) + '\n');
  } else {
    ctx.stdout.write(`${rep.file}: ${results.verdict} (${rep.ops.toLocaleString('en')} ops, timeline ${rep.mode}, ${(rep.bytes / 1e6).toFixed(1)} MB)\n`);
    if (junit) ctx.stdout.write(`${junit}: JUnit XML\n`);
    if (influx) ctx.stdout.write(`${influx.url}: ${influx.points} points\n`);
  }
  return 0;
}

export async function reportIndexCommand(ctx: CommandContext, store: string, opts: ReportIndexOptions): Promise<number> {
  if (opts.out) writableParent(opts.out, '--out');
  const { buildIndex } = await import('../../../reports');
  const r = buildIndex(store, { ...(opts.out ? { out: opts.out } : {}), ...(opts.render ? { render: true } : {}), ...(opts.nights !== undefined ? { nights: opts.nights } : {}) });
  // the morning in a line per suite; the index page has the details
  const morning = r.changes.map((c) => ({ suite: c.suite, night: c.night, ...(c.previous ? { previous: c.previous } : {}), flips: c.flips.map((f) => f.campaign), flaky: c.flaky.map((f) => f.campaign), newFindings: c.newFindings.length, infra: c.infra.length }));
  if (opts.json) ctx.stdout.write(JSON.stringify({ ...r, changes: morning, ms: Math.round(r.ms) }) + '\n');
  else {
    ctx.stdout.write(`${r.file}: ${r.runs} runs (${r.cached} from cache${r.rendered ? `, ${r.rendered} reports rendered` : ''}${r.broken ? `, ${r.broken} unreadable` : ''})${r.nights ? `, ${r.nights} nights` : ''} in ${Math.round(r.ms)} ms\n`);
    for (const m of morning) ctx.stdout.write(`  suite ${m.suite}, night ${m.night}: ${m.flips.length} flip(s)${m.flips.length ? ` (${m.flips.join(', ')})` : ''}, ${m.flaky.length} flaky, ${m.newFindings} new finding(s), ${m.infra} infrastructure fault(s)\n`);
  }
  return 0;
}
