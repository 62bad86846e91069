// npm run bench:report — the report targets, measured next to anchors taken in the same run:
//  1. a 1M-op synthetic run (faults, planted violations, checked by the real checkers) gives a
//     report.html under 20 MB that opens in Chromium (load event + timeline drawn) in under 10 s;
//     anchors: reading the history alone (loadOps), and Chromium opening a trivial page;
//  2. the nightly index over 200 synthetic run dirs builds in under 5 s, cold (no summary cache)
//     and warm, with the morning view: the runs are 25 nights of a suite (night.json each, a
//     flip and a flaky campaign among them); anchor: reading and parsing the 200 results.json files.
// BENCH_OPS and BENCH_RUNS change the sizes; BENCH_ONLY=index skips the 1M-op report;
// BENCH_KEEP=1 keeps the temp dir.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NIGHT_FILES, NIGHTS_DIR, RUN_FILES, loadOps, type Night, type NightRun } from '../../harness/core';
import { writeReport } from '../html';
import { SUMMARY_FILE, buildIndex } from '../index/index';
import { launchChromium } from '../test-support/chromium';
import { makeSyntheticRun, type Plant } from '../test-support/synthetic';

const OPS = Number(process.env.BENCH_OPS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const rows: { what: string; value: string; target: string; anchor: string; ok: boolean | undefined }[] = [];

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

async function timed<T>(f: () => T | Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

async function reportBench(tmp: string): Promise<void> {
  const dir = path.join(tmp, 'big');
  const [gen, genMs] = await timed(() => makeSyntheticRun({ dir, ops: OPS, processes: 16, rate: 5000, plant: ['duplicateFadd', 'casDoubleSuccess', 'queueSliding', 'staleWrite'], kernelOops: true, checkTimeoutMs: 600_000 }));
  const historyMb = fs.statSync(path.join(dir, RUN_FILES.history)).size / 1e6;
  console.log(`generated ${gen.ops.toLocaleString('en')} ops (${historyMb.toFixed(0)} MB history, verdict ${gen.results.verdict}, ${gen.results.checks.reduce((n, c) => n + c.violations.length, 0)} violations) in ${secs(genMs)}`);
  const [, loadMs] = await timed(() => loadOps(path.join(dir, RUN_FILES.history), 'native').ops.length);
  const [rep, repMs] = await timed(() => writeReport(dir));
  rows.push({ what: `report.html of ${gen.ops.toLocaleString('en')} ops: write`, value: secs(repMs), target: '—', anchor: `loadOps alone ${secs(loadMs)}`, ok: undefined });
  rows.push({ what: 'report.html size', value: `${(rep.bytes / 1e6).toFixed(2)} MB (${rep.mode})`, target: '< 20 MB', anchor: `history ${historyMb.toFixed(0)} MB`, ok: rep.bytes < 20e6 });

  const browser = await launchChromium();
  try {
    const blank = path.join(tmp, 'blank.html');
    fs.writeFileSync(blank, '<!DOCTYPE html><title>x</title><p>x');
    const open = async (url: string, drawn: boolean): Promise<number> => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const t = performance.now();
      await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
      if (drawn) await page.waitForSelector('body[data-timeline="drawn"]', { timeout: 60_000 });
      const ms = performance.now() - t;
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
      await page.close();
      return ms;
    };
    await open(`file://${blank}`, false);
    const anchor = Math.min(await open(`file://${blank}`, false), await open(`file://${blank}`, false));
    const times: number[] = [];
    for (let i = 0; i < 3; i++) times.push(await open(`file://${rep.file}`, true));
    times.sort((a, b) => a - b);
    rows.push({ what: 'open in Chromium (load + timeline drawn), worst of 3', value: secs(times[2]!), target: '< 10 s', anchor: `trivial page ${secs(anchor)}; best ${secs(times[0]!)}`, ok: times[2]! < 10_000 });
  } finally {
    await browser.close();
  }
}

async function indexBench(tmp: string): Promise<void> {
  const store = path.join(tmp, 'store');
  const campaigns = ['shift-fadd', 'replay-fadd', 'none-fadd', 'replay-cas', 'flag-write', 'send-stream', 'random-10min', 'read-verify'];
  const nights = new Map<number, NightRun[]>();
  const [, genMs] = await timed(() => {
    for (let i = 0; i < RUNS; i++) {
      const c = campaigns[i % campaigns.length]!;
      const plant: Plant[] = i % 5 === 0 ? ['duplicateFadd'] : i % 7 === 0 ? ['queueSliding'] : [];
      const day = Math.floor(i / campaigns.length);
      const rel = path.join(c, `2025-01-${String(1 + (day % 28)).padStart(2, '0')}T02-${String(day).padStart(3, '0')}`);
      const startedAt = new Date(Date.UTC(2025, 0, 1 + day, 2));
      makeSyntheticRun({ dir: path.join(store, rel), campaign: c, ops: 200, seed: i, plant, startedAt });
      // planted runs miss a "valid" expectation: the campaigns flip and go flaky across the nights
      const verdict = plant.length ? 'invalid' : 'valid';
      const run: NightRun = { id: `${String(i).padStart(3, '0')}-${c}-r1`, campaign: c, file: `/bench/${c}.yaml`, repetition: 1, repetitions: 1, seed: i, status: 'done', outcome: plant.length ? 'not-met' : 'met', verdict, expected: { verdict: 'valid', matched: !plant.length }, dir: rel, startedAt: startedAt.toISOString(), durationMs: 40_000 };
      nights.set(day, [...(nights.get(day) ?? []), run]);
    }
    for (const [day, runs] of nights) {
      const id = new Date(Date.UTC(2025, 0, 1 + day, 2)).toISOString().replace(/[:.]/g, '-');
      const night: Night = { schema: 1, suite: 'bench', suiteFile: '/bench/suite.yaml', night: id, startedAt: runs[0]!.startedAt!, endedAt: runs[0]!.startedAt!, cluster: 'local', budgetMs: 6 * 3600_000, starts: 1, runs, exitCode: runs.some((r) => r.outcome === 'not-met') ? 1 : 0 };
      const dir = path.join(store, NIGHTS_DIR, 'bench', id);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, NIGHT_FILES.night), JSON.stringify(night));
    }
  });
  console.log(`generated ${RUNS} run dirs in ${nights.size} nights in ${secs(genMs)}`);
  const dirs = fs.readdirSync(store).filter((c) => c !== NIGHTS_DIR).flatMap((c) => fs.readdirSync(path.join(store, c)).map((r) => path.join(store, c, r)));
  const [, anchorMs] = await timed(() => dirs.map((d) => JSON.parse(fs.readFileSync(path.join(d, RUN_FILES.results), 'utf8')) as unknown).length);
  for (const d of dirs) fs.rmSync(path.join(d, SUMMARY_FILE), { force: true });
  const cold = buildIndex(store);
  const warm = buildIndex(store);
  if (cold.runs !== RUNS || warm.cached !== RUNS || cold.nights !== nights.size) throw new Error(`index saw ${cold.runs} runs in ${cold.nights} nights, ${warm.cached} cached; expected ${RUNS} in ${nights.size}`);
  rows.push({ what: `index over ${RUNS} runs in ${nights.size} nights, cold (no summary cache)`, value: secs(cold.ms), target: '< 5 s', anchor: `parse all results.json ${secs(anchorMs)}`, ok: cold.ms < 5000 });
  rows.push({ what: `index over ${RUNS} runs in ${nights.size} nights, warm (all cached)`, value: secs(warm.ms), target: '< 5 s', anchor: `parse all results.json ${secs(anchorMs)}`, ok: warm.ms < 5000 });
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-bench-report-'));
  try {
    console.log(`bench:report on ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    if (process.env.BENCH_ONLY !== 'index') await reportBench(tmp);
    await indexBench(tmp);
  } finally {
    if (process.env.BENCH_KEEP) console.log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  const w = Math.max(...rows.map((r) => r.what.length));
  console.log('');
  for (const r of rows) console.log(`${r.what.padEnd(w)}  ${r.value.padStart(18)}  target ${r.target.padEnd(7)}  ${r.ok === undefined ? '    ' : r.ok ? 'ok  ' : 'MISS'}  (anchor: ${r.anchor})`);
  if (rows.some((r) => r.ok === false)) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
