// report.html in a real headless Chromium (Debian's, via playwright-core): the summary, a
// timeline lane per client slot, the fault bands and the highlighted violating ops are visible;
// a screenshot is kept in test-artifacts/. Point RDMA_CHAOS_REPORT_RUN_DIR at a stored run (with
// at least one violation) to check a real run; by default a synthetic run with all four
// failure patterns is used.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { writeReport } from '.';
import { loadRun } from '../run';
import { ARTIFACTS, checkExplained, checkShowViolation, checkSummary, checkTimeline, launchChromium, makeSyntheticRun, openReport, type WatchedPage } from '../test-support';

jest.setTimeout(120_000);

let tmp: string;
let browser: Browser;
let runDir: string;
let file: string;
let w: WatchedPage;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-report-'));
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  runDir = process.env.RDMA_CHAOS_REPORT_RUN_DIR ?? path.join(tmp, 'run');
  if (!process.env.RDMA_CHAOS_REPORT_RUN_DIR) {
    makeSyntheticRun({ dir: runDir, ops: 4000, plant: ['duplicateFadd', 'casDoubleSuccess', 'queueSliding', 'staleWrite'], kernelOops: true });
  }
  // written beside the test, never into a stored run
  file = writeReport(runDir, path.join(tmp, 'report.html')).file;
  browser = await launchChromium();
  w = await openReport(browser, file);
});

afterAll(async () => {
  await browser?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('the summary shows the verdict and one sentence per violation', async () => {
  await checkSummary(w, loadRun(runDir));
});

test('a visible lane per client slot holding every process, fault bands over the timeline, violating ops highlighted', async () => {
  await checkTimeline(w, loadRun(runDir), 'report');
});

test('"show on timeline" zooms to a violation and singles out its ops', async () => {
  await checkShowViolation(w, 'report');
});

test('each named violation shows the result it instantiates, the sender view and what executed side by side', async () => {
  await checkExplained(w, loadRun(runDir), 'report');
});

test('the page itself raised no script error and asked nothing', () => {
  expect(w.errors).toEqual([]);
  expect(w.dialogs).toEqual([]);
});
