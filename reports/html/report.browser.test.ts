// report.html in a real headless Chromium (Debian's, via playwright-core): the summary, one
// timeline lane per process, the fault bands and the highlighted violating ops are visible;
// a screenshot is kept in test-artifacts/. Point RDMA_CHAOS_REPORT_RUN_DIR at a stored run (with
// at least one violation) to check a real run; by default a synthetic run with all four
// failure patterns is used.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { loadRun } from '../run';
import { launchChromium, openWatched, type WatchedPage } from '../test-support/chromium';
import { makeSyntheticRun } from '../test-support/synthetic';
import { writeReport } from '.';

jest.setTimeout(120_000);

const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');
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
  w = await openWatched(browser, `file://${file}`);
  await w.page.waitForSelector('body[data-timeline="drawn"]', { timeout: 30_000 });
});

afterAll(async () => {
  await browser?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('the summary shows the verdict and one sentence per violation', async () => {
  const run = loadRun(runDir);
  const violations = run.results.checks.flatMap((c) => c.violations);
  expect(violations.length).toBeGreaterThan(0);
  const verdict = w.page.locator('#summary .verdict');
  await expect(verdict.isVisible()).resolves.toBe(true);
  expect((await verdict.textContent())!.trim()).toBe(run.results.verdict.toUpperCase());
  const sentences = w.page.locator('#summary ol.sentences li');
  expect(await sentences.count()).toBe(violations.length);
  expect(await sentences.first().textContent()).toContain(violations[0]!.message.slice(0, 40));
  // findings sit above the summary on the page
  const [f, s] = await Promise.all([w.page.locator('#findings').boundingBox(), w.page.locator('#summary').boundingBox()]);
  expect(f!.y).toBeLessThan(s!.y);
});

test('one visible lane per process, fault bands over the timeline, violating ops highlighted', async () => {
  const run = loadRun(runDir);
  const processes = new Set(run.ops.map((op) => op.process));
  const tl = await w.page.locator('#timeline').boundingBox();
  const inside = (b: { x: number; y: number; width: number; height: number } | null): boolean =>
    b !== null && b.width > 0 && b.height > 0 && b.x >= tl!.x - 1 && b.x + b.width <= tl!.x + tl!.width + 1 && b.y >= tl!.y - 1 && b.y + b.height <= tl!.y + tl!.height + 1;

  const lanes = w.page.locator('#timeline .lane-label');
  expect(await lanes.count()).toBe(processes.size);
  for (let i = 0; i < processes.size; i++) expect(inside(await lanes.nth(i).boundingBox())).toBe(true);

  const bands = w.page.locator('#timeline .fault-band');
  expect(await bands.count()).toBe(run.faults.length);
  expect(run.faults.length).toBeGreaterThan(0);
  for (let i = 0; i < run.faults.length; i++) {
    const b = await bands.nth(i).boundingBox();
    expect(inside(b)).toBe(true);
    expect(b!.width).toBeGreaterThan(2);
  }

  const wanted = new Set(run.results.checks.flatMap((c) => c.violations.flatMap((v) => [...v.ops, ...(v.explanation ? [v.explanation.blocked] : [])])));
  const hl = w.page.locator('#timeline rect.violating-op');
  const shown = new Set((await hl.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-op'))))));
  expect(shown).toEqual(wanted);
  for (let i = 0; i < (await hl.count()); i++) expect(inside(await hl.nth(i).boundingBox())).toBe(true);

  // the canvas really has op bars in all three outcome colours the history has
  // browser-side code as a string: this tree is type-checked without the DOM library
  const colours = (await w.page.evaluate(`(() => {
    const c = document.querySelector('#timeline canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = { ok: 0, fail: 0, info: 0 };
    for (let i = 0; i < d.length; i += 4) {
      const r = d[i], g = d[i + 1], b = d[i + 2];
      if (r === 0x2e && g === 0x9e && b === 0x44) seen.ok++;
      else if (r === 0xd6 && g === 0x27 && b === 0x28) seen.fail++;
      else if (r === 0xe6 && g === 0xa1 && b === 0x00) seen.info++;
    }
    return seen;
  })()`)) as { ok: number; fail: number; info: number };
  expect(colours.ok).toBeGreaterThan(100);
  if (run.ops.some((op) => op.status === 'fail')) expect(colours.fail).toBeGreaterThan(0);
  if (run.ops.some((op) => op.status === 'info')) expect(colours.info).toBeGreaterThan(0);

  await w.page.locator('#timeline-section').screenshot({ path: path.join(ARTIFACTS, 'report-timeline.png') });
  await w.page.screenshot({ path: path.join(ARTIFACTS, 'report-page.png'), fullPage: true });
  expect(fs.statSync(path.join(ARTIFACTS, 'report-timeline.png')).size).toBeGreaterThan(10_000);
});

test('"show on timeline" zooms to a violation and singles out its ops', async () => {
  const before = await w.page.locator('#timeline rect.violating-op').first().boundingBox();
  await w.page.locator('button.show[data-violation="0"]').click();
  const focus = w.page.locator('#timeline rect.violating-op.focus');
  expect(await focus.count()).toBeGreaterThan(0);
  const ids = await focus.evaluateAll((els) => els.map((e) => e.getAttribute('data-violations')!.split(' ')));
  for (const vs of ids) expect(vs).toContain('0');
  const after = await focus.first().boundingBox();
  expect(after!.width).toBeGreaterThan(before!.width);
  await w.page.locator('#timeline-section').screenshot({ path: path.join(ARTIFACTS, 'report-timeline-violation.png') });
  await w.page.locator('#timeline-reset').click();
  expect(await w.page.locator('#timeline rect.violating-op.focus').count()).toBe(0);
});

test('the page itself raised no script error and asked nothing', () => {
  expect(w.errors).toEqual([]);
  expect(w.dialogs).toEqual([]);
});
