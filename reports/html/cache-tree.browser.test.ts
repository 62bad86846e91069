// The cache tree drawn in real Chromium: a fork between two leaders on disjoint quorums (the
// shape of Raft's single-server-change bug) has both branches in red with their leaders named,
// committed caches filled, each reconfiguration labelled with its configuration; a long log
// collapses its linear runs; values from the history cannot inject markup; and a stored run
// whose check rebuilt a cache tree shows it on its report page, under the page's CSP.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { cacheKey, HistoryWriter, RUN_FILES, writeResults, type Cache, type CacheTreeViolation, type HistoryEvent } from '../../harness/core';
import { cacheTreeSvg, writeReport } from '.';
import { loadRun } from '../run';
import { ARTIFACTS, launchChromium, makeSyntheticRun, openReport, openWatched } from '../test-support';

jest.setTimeout(120_000);

let tmp: string;
let browser: Browser;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-cache-tree-'));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// A and B each lead a branch off the last common commit; B's branch reconfigures first
const TREE: Cache[] = [
  { id: 'r', kind: 'M', time: 0, leader: '-' },
  { id: 'eA', kind: 'E', parent: 'r', time: 1, leader: 'A', supporters: ['A', 'B'] },
  { id: 'cA0', kind: 'C', parent: 'eA', time: 1, leader: 'A', supporters: ['A', 'B'] },
  { id: 'rA', kind: 'R', parent: 'cA0', time: 1, leader: 'A', config: ['A', 'B', 'C', 'D'] },
  { id: 'eB', kind: 'E', parent: 'cA0', time: 2, leader: 'B', supporters: ['B', 'C'] },
  { id: 'mB', kind: 'M', parent: 'eB', time: 2, leader: 'B', method: 'put <img src=x onerror=alert(1)>' },
  { id: 'cB', kind: 'C', parent: 'mB', time: 2, leader: 'B', supporters: ['B', 'C'] },
  { id: 'mA', kind: 'M', parent: 'rA', time: 1, leader: 'A', method: 'put x 1' },
  { id: 'cA', kind: 'C', parent: 'mA', time: 1, leader: 'A', supporters: ['A', 'D', 'C'] },
];
const FORK: CacheTreeViolation = {
  rule: 'fork',
  message: 'the log forks below cA0: A committed cA at time 1 with {A, D, C}, and B committed cB at time 2 with {B, C}',
  caches: ['cA', 'cB'],
  branches: [
    { leader: 'A', time: 1, config: ['A', 'B', 'C', 'D'], supporters: ['A', 'D', 'C'], path: ['rA', 'mA', 'cA'], commit: 'cA' },
    { leader: 'B', time: 2, config: ['A', 'B', 'C'], supporters: ['B', 'C'], path: ['eB', 'mB', 'cB'], commit: 'cB' },
  ],
};

async function open(name: string, body: string) {
  const file = path.join(tmp, `${name}.html`);
  fs.writeFileSync(file, `<!doctype html><meta charset="utf-8"><body>${body}</body>`);
  const w = await openWatched(browser, `file://${file}`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await w.page.screenshot({ path: path.join(ARTIFACTS, `cache-tree-${name}.png`), fullPage: true });
  return w;
}

test('a fork: both branches red with their leaders, committed caches filled, the configuration change labelled', async () => {
  const w = await open('fork', cacheTreeSvg(TREE, [FORK]));
  const g = (id: string) => w.page.locator(`g.cache[data-ids="${id}"]`);
  // every cache is a node here (nothing long enough to collapse)
  expect(await w.page.locator('g.cache').count()).toBe(TREE.length);
  for (const id of ['rA', 'mA', 'cA', 'eB', 'mB', 'cB']) expect(await g(id).getAttribute('data-fork')).toBe('1');
  for (const id of ['r', 'eA', 'cA0']) expect(await g(id).getAttribute('data-fork')).toBeNull();
  // red as drawn, not only as a class: the fork's strokes and edges
  // page-side code: this tree is type-checked without the DOM library
  const stroke = (loc: ReturnType<typeof g>) => loc.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { stroke: string } }).getComputedStyle(el).stroke);
  expect(await stroke(g('cB').locator('rect'))).toBe('rgb(214, 39, 40)');
  expect(await stroke(g('eA').locator('circle'))).toBe('rgb(85, 85, 85)');
  expect(await w.page.locator('line.edge.fork').count()).toBe(6);
  // the two leaders, at their first commits
  expect(await w.page.locator('text.leader').allTextContents()).toEqual(['leader A, t=1', 'leader B, t=2']);
  // committed: every commit and all above it
  const committed = await w.page.locator('g.cache[data-committed]').evaluateAll((els) => els.map((e) => e.getAttribute('data-ids')));
  expect(committed.sort()).toEqual(['cA', 'cA0', 'cB', 'eA', 'eB', 'mA', 'mB', 'r', 'rA'].sort());
  expect(await g('rA').locator('text.side').first().textContent()).toBe('{A,B,C,D}');
  expect(await w.page.locator('.cache-tree-fork').textContent()).toBe(FORK.message);
  // the method's markup stayed text
  expect(await g('mB').locator('title').textContent()).toContain('put <img src=x onerror=alert(1)>');
  expect(await w.page.locator('img').count()).toBe(0);
  expect({ errors: w.errors, dialogs: w.dialogs }).toEqual({ errors: [], dialogs: [] });
});

test('a log of 2000 commands collapses into a few nodes, the elections and reconfigurations kept', async () => {
  const caches: Cache[] = [{ id: 'r', kind: 'M', time: 0, leader: '-' }, { id: 'e1', kind: 'E', parent: 'r', time: 1, leader: 'A', supporters: ['A', 'B'] }];
  let parent = 'e1';
  for (let i = 0; i < 1000; i++) {
    caches.push({ id: `m${i}`, kind: 'M', parent, time: 1, leader: 'A', method: `put k ${i}` }, { id: `c${i}`, kind: 'C', parent: `m${i}`, time: 1, leader: 'A', supporters: ['A', 'B'] });
    parent = `c${i}`;
    if (i === 499) {
      caches.push({ id: 'rc', kind: 'R', parent, time: 1, leader: 'A', config: ['A', 'B', 'C', 'D'] });
      parent = 'rc';
    }
  }
  const w = await open('long', cacheTreeSvg(caches, []));
  const nodes = await w.page.locator('g.cache').evaluateAll((els) => els.map((e) => [e.getAttribute('data-kind'), (e.getAttribute('data-ids') ?? '').split(' ').length]));
  // root and election, 500 commands (1000 caches) in one box, the reconfiguration, the rest in another
  expect(nodes).toEqual([['M', 1], ['E', 1], ['M', 1000], ['R', 1], ['M', 999], ['C', 1]]);
  expect(await w.page.locator('g.cache[data-kind="M"] text.k').allTextContents()).toEqual(['M', '1000', '999']);
  const box = await w.page.locator('figure.cache-tree svg').boundingBox();
  expect(box!.height).toBeLessThan(500);
});

test('a stored run with a cache-tree check: its report page draws the tree, the fork red, under the CSP with no error', async () => {
  const dir = path.join(tmp, 'run');
  makeSyntheticRun({ dir, ops: 400, plant: [] });
  // the protocol's cache events, after everything the run recorded, each an instant's invoke and ok
  const history = path.join(dir, RUN_FILES.history);
  const before = loadRun(dir).ops.length;
  let t = Math.max(...fs.readFileSync(history, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as HistoryEvent).time ?? 0)) + 1e6;
  const writer = new HistoryWriter(history);
  for (const { id, ...value } of TREE) {
    const e = { process: 9001, f: 'cache' as const, key: cacheKey(id), value: value as unknown as HistoryEvent['value'], node: 'node1' };
    writer.append([{ type: 'invoke', ...e, time: t }, { type: 'ok', ...e, time: t + 1 }]);
    t += 1e6;
  }
  writer.close();
  const run = loadRun(dir);
  const commits = ['cA', 'cB'].map((c) => before + TREE.findIndex((x) => x.id === c));
  expect(commits.map((i) => run.ops[i]?.key)).toEqual([cacheKey('cA'), cacheKey('cB')]);
  const check = { checker: 'cache tree', verdict: 'invalid' as const, ms: 1, summary: 'the log forks', violations: [{ kind: 'invariant' as const, message: FORK.message, ops: commits }], cacheTree: { initial: ['A', 'B', 'C'], violations: [FORK] } };
  writeResults(dir, { ...run.results, verdict: 'invalid', checks: [...run.results.checks, check] });
  const file = writeReport(dir, path.join(tmp, 'run-report.html')).file;

  const w = await openReport(browser, file);
  const section = w.page.locator('section.cache-tree#cache-tree-0');
  await expect(section.isVisible()).resolves.toBe(true);
  expect(await section.locator('h2').textContent()).toBe('Cache tree — cache tree');
  expect(await section.locator('.ct-counts').textContent()).toBe('9 caches: 2 E, 3 M, 1 R, 3 C');
  expect(await section.locator('.ct-violations li').allTextContents()).toEqual([`fork: ${FORK.message}`]);
  // between the counters and the violations, as the page orders its sections
  const y = async (sel: string) => (await w.page.locator(sel).boundingBox())!.y;
  expect(await y('#counters')).toBeLessThan(await y('#cache-tree-0'));
  expect(await y('#cache-tree-0')).toBeLessThan(await y('#violations'));
  // drawn red under the page's own stylesheet: every shape of a fork node and the fork's edges
  const strokes = (sel: string) => section.locator(sel).evaluateAll((els) => els.map((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { stroke: string } }).getComputedStyle(el).stroke));
  const forked = await strokes('g.cache[data-fork="1"] circle, g.cache[data-fork="1"] rect');
  expect(forked).toHaveLength(6);
  expect(new Set(forked)).toEqual(new Set(['rgb(214, 39, 40)']));
  expect(new Set(await strokes('line.edge.fork'))).toEqual(new Set(['rgb(214, 39, 40)']));
  expect(await strokes('g.cache[data-ids="eA"] circle')).toEqual(['rgb(85, 85, 85)']);
  expect(await section.locator('text.leader').allTextContents()).toEqual(['leader A, t=1', 'leader B, t=2']);
  expect(await w.page.locator('img').count()).toBe(0);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await section.screenshot({ path: path.join(ARTIFACTS, 'cache-tree-report-section.png') });
  // Chromium reports a CSP refusal on the console as an error
  expect({ errors: w.errors, dialogs: w.dialogs, console: w.console.filter((m) => /^error|Content Security Policy/i.test(m)) }).toEqual({ errors: [], dialogs: [], console: [] });
});
