// A run directory gzipped by retention says what it said before: `recheck`, `report`, `check`
// (of the directory or of history.jsonl.gz), `report index --render`, `run --replay`'s plan and
// the interrupted-run marking give the same verdicts and output. So does a run caught between
// compression's steps (a temp left, or the plain file and its .gz both there).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { buildIndex, loadRun } from '../../reports';
import { renderReport } from '../../reports/html';
import { makeSyntheticRun } from '../../reports/test-support';
import { Campaign, planRun } from '../campaign';
import { compressRunDir, currentOwner, HistoryWriter, RUN_FILES, writeRunOwner, type HistoryEvent } from '../core';
import { cli } from '../test-support';
import { checkStage, type RunMeta } from './check';
import { planStage } from './plan';
import { markInterruptedRuns } from './recheck';
import { createRunDir, storeResults } from './store';

let store: string;
beforeAll(() => (store = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-retention-run-'))));
afterAll(() => fs.rmSync(store, { recursive: true, force: true }));

const plan = planRun(Campaign.parse({ name: 'kept', duration: '1s', workloads: [{ workload: 'counter', target: 'node1' }] }), 11);
const meta: RunMeta = {
  campaign: plan.campaign, seed: 11, startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:01.000Z', durationMs: 1000,
  cluster: { driver: 'local', nodes: plan.nodes, rails: 1 }, faults: [], findings: [], clean: true, notes: [],
};

/** FADDs of 1 and 4 and a final read of `final` (9: the 4 applied twice, a duplicate), during a fault */
function events(final: number): HistoryEvent[] {
  const fault = { id: 'f1', kind: 'partition', targets: ['node2'] };
  return [
    { type: 'invoke', process: 'nemesis', f: 'start', fault, time: 500 },
    { type: 'ok', process: 'nemesis', f: 'start', fault, time: 600 },
    { type: 'invoke', process: 1, f: 'fadd', node: 'node2', key: 'counter@0', value: 1, time: 1000 },
    { type: 'ok', process: 1, f: 'fadd', node: 'node2', key: 'counter@0', value: 1, result: 0, time: 2000 },
    { type: 'invoke', process: 2, f: 'fadd', node: 'node3', key: 'counter@0', value: 4, time: 3000 },
    { type: 'ok', process: 2, f: 'fadd', node: 'node3', key: 'counter@0', value: 4, result: 1, time: 4000 },
    { type: 'invoke', process: 'nemesis', f: 'stop', fault, time: 4500 },
    { type: 'ok', process: 'nemesis', f: 'stop', fault, time: 4600 },
    { type: 'invoke', process: 900000000, f: 'read', node: 'node1', key: 'counter@0', time: 5000, final: true },
    { type: 'ok', process: 900000000, f: 'read', node: 'node1', key: 'counter@0', result: final, time: 5001, final: true },
  ] as HistoryEvent[];
}

/** a finished run written by the run's own writers: the store stage, the history writer, results */
function storedRun(day: number, final: number, results = true): string {
  const rd = createRunDir(store, plan, new Date(Date.UTC(2026, 0, day)));
  rd.log('controller: run started');
  rd.agentLog('node2', 'agent: listening');
  rd.close();
  const w = new HistoryWriter(path.join(rd.dir, RUN_FILES.history));
  w.append(events(final));
  w.sync();
  w.close();
  const sample = (time: number, retry: number): string => JSON.stringify({ time, node: 'node2', device: 'rxe0', counters: { retry_exceeded_err: retry } }) + '\n';
  fs.writeFileSync(path.join(rd.dir, RUN_FILES.counters), sample(400, 0) + sample(700, 3) + sample(4700, 5));
  if (results) storeResults(rd.dir, checkStage(rd.dir, meta, 10_000));
  return rd.dir;
}

/**
 * What the commands say of DIR, with what must differ (timings, the file's name, the recheck's
 * date) taken out. The recheck runs last and its results.json is put back, so each call
 * starts from the same results.
 */
async function outputs(dir: string): Promise<Record<string, unknown>> {
  const resultsFile = path.join(dir, RUN_FILES.results);
  const stored = fs.readFileSync(resultsFile);
  const html = path.join(dir, '..', `${path.basename(dir)}.html`);
  const report = await cli('report', '--out', html, dir);
  const json = await cli('check', '--json', dir);
  const checked = JSON.parse(json.out) as Record<string, unknown>;
  const text = await cli('check', dir);
  const recheck = await cli('recheck', '--json', dir);
  fs.writeFileSync(resultsFile, stored);
  const results = JSON.parse(recheck.out) as { notes?: string[]; checks: { ms: number }[] };
  results.notes = results.notes?.filter((n) => !n.startsWith('rechecked '));
  for (const k of results.checks) k.ms = 0;
  return {
    report: [report.code, report.out.replace(html, 'HTML'), fs.readFileSync(html, 'utf8')],
    check: [json.code, { ...checked, file: path.basename(String(checked.file)).replace(/\.gz$/, ''), ms: 0 }],
    text: [text.code, text.out.replaceAll(String(checked.file), 'FILE').replace(/[\d.]+ ms\)/, 'T ms)'), text.err],
    recheck: [recheck.code, results, recheck.err],
  };
}

test('recheck, check and report say the same of a run before and after it is gzipped', async () => {
  for (const [day, final, verdict] of [[1, 5, 'valid'], [2, 9, 'invalid']] as const) {
    const dir = storedRun(day, final);
    const before = await outputs(dir);
    expect((before.recheck as [number, { verdict: string }])[1].verdict).toBe(verdict);
    const replay = planStage({ replay: dir });

    expect((await compressRunDir(dir)).files).toEqual([RUN_FILES.history, RUN_FILES.counters, RUN_FILES.controllerLog, path.join(RUN_FILES.agentsDir, 'node2.log')]);
    expect(fs.existsSync(path.join(dir, RUN_FILES.history))).toBe(false);
    expect(await outputs(dir)).toEqual(before);
    // the report still has its counter samples and the fault; `run --replay` the same plan
    expect(loadRun(dir).counterSamples).toHaveLength(3);
    expect(loadRun(dir).faults.map((f) => f.id)).toEqual(['f1']);
    expect(planStage({ replay: dir })).toEqual(replay);
    const gz = await cli('check', '--json', path.join(dir, RUN_FILES.historyGz));
    expect(JSON.parse(gz.out)).toMatchObject({ file: path.join(dir, RUN_FILES.historyGz), verdict });
  }
}, 60_000);

test('caught between the steps (a temp left; the plain file and the .gz both) it reads the same', async () => {
  const dir = storedRun(3, 9);
  const before = await outputs(dir);
  const hist = path.join(dir, RUN_FILES.history);
  // killed while writing: a cut-short temp beside the whole plain file
  const temp = path.join(dir, `${RUN_FILES.historyGz}.999999999.tmp`);
  fs.writeFileSync(temp, zlib.gzipSync(fs.readFileSync(hist)).subarray(0, 30));
  expect(await outputs(dir)).toEqual(before);
  // killed after the rename: both whole; the plain one is read
  fs.renameSync(temp, path.join(dir, RUN_FILES.historyGz));
  fs.writeFileSync(path.join(dir, RUN_FILES.historyGz), zlib.gzipSync(fs.readFileSync(hist)));
  expect(await outputs(dir)).toEqual(before);
  expect(JSON.parse((await cli('check', '--json', dir)).out)).toMatchObject({ file: hist });
  // the next retention finishes the job
  await compressRunDir(dir);
  expect(fs.readdirSync(dir).filter((n) => n.startsWith('history'))).toEqual([RUN_FILES.historyGz]);
  expect(await outputs(dir)).toEqual(before);
}, 60_000);

test('a gzipped synthetic run renders the same report, and report index --render renders it', () => {
  const dir = path.join(store, 'synthetic', 'run-1');
  makeSyntheticRun({ dir, ops: 600, kernelOops: true });
  const html = renderReport(loadRun(dir));
  return compressRunDir(dir).then((c) => {
    expect(c.files).toContain(RUN_FILES.counters);
    expect(renderReport(loadRun(dir))).toBe(html);
    const idx = buildIndex(path.join(store, 'synthetic'), { render: true });
    expect(idx).toMatchObject({ runs: 1, rendered: 1, broken: 0 });
    expect(fs.readFileSync(path.join(dir, 'report.html'), 'utf8')).toBe(html);
  });
});

test('an interrupted run whose history was gzipped is still found, checked and marked', async () => {
  const plain = storedRun(4, 5, false);
  const gzipped = storedRun(5, 5, false);
  // same pid, another start time: a controller that is gone
  for (const d of [plain, gzipped]) writeRunOwner(d, { ...currentOwner(), starttime: currentOwner().starttime + 1 });
  expect((await compressRunDir(gzipped)).files).toContain(RUN_FILES.history);
  const marked = markInterruptedRuns(store, { timeoutMs: 10_000 });
  expect(marked.map((m) => m.dir)).toEqual([plain, gzipped]);
  const strip = (r: (typeof marked)[number]): unknown => ({ ...r.results, notes: [], startedAt: '', endedAt: '', checks: r.results?.checks.map((k) => ({ ...k, ms: 0 })) });
  expect(marked[1]!.results).toMatchObject({ incomplete: true, verdict: 'valid' });
  expect(strip(marked[1]!)).toEqual(strip(marked[0]!));
});
