// Checks of a report.html opened in headless Chromium, shared by report.browser.test.ts
// (a synthetic run, or RDMA_CHAOS_REPORT_RUN_DIR) and the campaign acceptance test (a real run
// on the SoftRoCE cluster): the summary, a lane per client slot, the fault bands and the
// highlighted violating ops are visible; screenshots go to test-artifacts/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { timeBase } from '../../harness/core';
import { loadRun } from '../run';
import { openWatched, type WatchedPage } from './chromium';

export const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');

type Run = ReturnType<typeof loadRun>;

/** opens the report and waits until the timeline is drawn */
export async function openReport(browser: Browser, file: string): Promise<WatchedPage> {
  const w = await openWatched(browser, `file://${file}`);
  await w.page.waitForSelector('body[data-timeline="drawn"]', { timeout: 30_000 });
  return w;
}

export async function checkSummary(w: WatchedPage, run: Run): Promise<void> {
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
}

/** the processes each drawn lane says it holds, lane by lane */
export async function laneProcesses(w: WatchedPage): Promise<number[][]> {
  return w.page.locator('#timeline .lane-label').evaluateAll((els) => els.map((e) => (e.getAttribute('data-procs') ?? '').split(' ').filter((p: string) => p !== '').map(Number)));
}

/** every process of the history is in exactly one lane; those sharing one ran on one node, one after another */
export function checkLaneSharing(run: Run, held: readonly number[][]): void {
  const processes = [...new Set(run.ops.map((op) => op.process))].sort((a, b) => a - b);
  expect(held.flat().sort((a, b) => a - b)).toEqual(processes);
  const tb = timeBase(run.ops, run.faults);
  const span = new Map<number, { s: number; e: number; node: string }>();
  run.ops.forEach((op, i) => {
    const x = span.get(op.process);
    if (!x) span.set(op.process, { s: tb.start[i]!, e: tb.end[i]!, node: op.node ?? '' });
    else [x.s, x.e] = [Math.min(x.s, tb.start[i]!), Math.max(x.e, tb.end[i]!)];
  });
  for (const lane of held) {
    const xs = lane.map((p) => span.get(p)!).sort((a, b) => a.s - b.s);
    expect(new Set(xs.map((x) => x.node)).size).toBe(1);
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1]!.e).toBeLessThan(xs[i]!.s);
  }
}

/** lanes, fault bands, highlighted violating ops, outcome colours; screenshots `${prefix}-*.png` */
export async function checkTimeline(w: WatchedPage, run: Run, prefix: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const processes = new Set(run.ops.map((op) => op.process));
  const tl = await w.page.locator('#timeline').boundingBox();
  const inside = (b: { x: number; y: number; width: number; height: number } | null): boolean =>
    b !== null && b.width > 0 && b.height > 0 && b.x >= tl!.x - 1 && b.x + b.width <= tl!.x + tl!.width + 1 && b.y >= tl!.y - 1 && b.y + b.height <= tl!.y + tl!.height + 1;

  const lanes = w.page.locator('#timeline .lane-label');
  const held = await laneProcesses(w);
  checkLaneSharing(run, held);
  expect(held.length).toBeLessThanOrEqual(processes.size);
  for (let i = 0; i < held.length; i++) expect(inside(await lanes.nth(i).boundingBox())).toBe(true);

  const bands = w.page.locator('#timeline .fault-band');
  expect(await bands.count()).toBe(run.faults.length);
  expect(run.faults.length).toBeGreaterThan(0);
  for (let i = 0; i < run.faults.length; i++) {
    const b = await bands.nth(i).boundingBox();
    expect(inside(b)).toBe(true);
    expect(b!.width).toBeGreaterThan(2);
  }

  const wanted = new Set(run.results.checks.flatMap((c) => c.violations.flatMap((v) => [...v.ops, ...(v.explanation ? [v.explanation.blocked] : [])])));
  expect(wanted.size).toBeGreaterThan(0);
  const hl = w.page.locator('#timeline rect.violating-op');
  const shown = new Set(await hl.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-op')))));
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

  await w.page.locator('#timeline-section').screenshot({ path: path.join(ARTIFACTS, `${prefix}-timeline.png`) });
  await w.page.screenshot({ path: path.join(ARTIFACTS, `${prefix}-page.png`), fullPage: true });
  expect(fs.statSync(path.join(ARTIFACTS, `${prefix}-timeline.png`)).size).toBeGreaterThan(10_000);
}

/** "show on timeline" zooms to the first violation and singles out its ops */
export async function checkShowViolation(w: WatchedPage, prefix: string): Promise<void> {
  const before = await w.page.locator('#timeline rect.violating-op').first().boundingBox();
  await w.page.locator('button.show[data-violation="0"]').click();
  const focus = w.page.locator('#timeline rect.violating-op.focus');
  expect(await focus.count()).toBeGreaterThan(0);
  const ids = await focus.evaluateAll((els) => els.map((e) => e.getAttribute('data-violations')!.split(' ')));
  for (const vs of ids) expect(vs).toContain('0');
  const after = await focus.first().boundingBox();
  expect(after!.width).toBeGreaterThan(before!.width);
  await w.page.locator('#timeline-section').screenshot({ path: path.join(ARTIFACTS, `${prefix}-timeline-violation.png`) });
  await w.page.locator('#timeline-reset').click();
  expect(await w.page.locator('#timeline rect.violating-op.focus').count()).toBe(0);
}

/** each explained violation shows its result, the sender's view and what executed side by side */
export async function checkExplained(w: WatchedPage, run: Run, prefix: string): Promise<void> {
  const all = run.results.checks.flatMap((c) => c.violations);
  const explained = all.map((v, n) => ({ v, n })).filter((x) => x.v.explained);
  expect(explained.length).toBeGreaterThan(0);
  for (const { v, n } of explained) {
    const card = w.page.locator(`#violation-${n} .explained`);
    await card.scrollIntoViewIfNeeded();
    const cols = ['.ex-result', '.ex-sender', '.ex-executed'].map((c) => card.locator(c));
    const boxes = await Promise.all(cols.map((c) => c.boundingBox()));
    for (const b of boxes) expect(b!.width).toBeGreaterThan(150);
    // one row: the same top, left to right, not overlapping
    expect(Math.abs(boxes[1]!.y - boxes[0]!.y) + Math.abs(boxes[2]!.y - boxes[0]!.y)).toBeLessThan(2);
    expect(boxes[0]!.x + boxes[0]!.width).toBeLessThanOrEqual(boxes[1]!.x);
    expect(boxes[1]!.x + boxes[1]!.width).toBeLessThanOrEqual(boxes[2]!.x);
    const e = v.explained!;
    expect(await cols[0]!.textContent()).toContain(e.result);
    expect(await cols[1]!.locator('li').allTextContents()).toEqual(e.sender);
    expect(await cols[2]!.locator('li').allTextContents()).toEqual(e.executed);
    expect(await card.locator('.ex-unavoidable').textContent()).toBe(e.unavoidable);
  }
  await w.page.locator(`#violation-${explained[0]!.n}`).screenshot({ path: path.join(ARTIFACTS, `${prefix}-violation-explained.png`) });
}

/** a consensus run's decided log: its slots decided twice, their two decisions side by side, and a decision's button singles out its violation's ops on the timeline */
export async function checkDecidedLog(w: WatchedPage, prefix: string): Promise<void> {
  const conflict = w.page.locator('#decided .conflict').first();
  await expect(conflict.isVisible()).resolves.toBe(true);
  const sides = conflict.locator('.side');
  expect(await sides.count()).toBe(2);
  const [a, b] = [await sides.nth(0).boundingBox(), await sides.nth(1).boundingBox()];
  // side by side: one row, the second to the right of the first
  expect(Math.abs(a!.y - b!.y)).toBeLessThan(4);
  expect(b!.x).toBeGreaterThanOrEqual(a!.x + a!.width);
  const twice = w.page.locator('#decided table.decided tr.twice td').first();
  // getComputedStyle through globalThis: this tree is type-checked without the DOM library
  expect(await twice.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor)).toBe('rgb(253, 236, 234)');
  await conflict.screenshot({ path: path.join(ARTIFACTS, `${prefix}-decided.png`) });
  await sides.nth(1).locator('button.show').first().click();
  expect(await w.page.locator('#timeline rect.violating-op.focus').count()).toBeGreaterThan(0);
  await w.page.locator('#timeline-reset').click();
}
