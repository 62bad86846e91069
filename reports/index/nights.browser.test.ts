// The morning view of index.html in a real headless Chromium, over a store of two nights written
// with the real writers: the flip is listed first, the flaky campaign is marked, each campaign
// has a cell per night with a working link per repetition (its report, else its run directory),
// and planted markup in a campaign name and a finding stays text.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { buildIndex } from '.';
import { writeReport } from '../html';
import { ARTIFACTS, HOSTILE, launchChromium, openWatched, writeNightStore, type PlannedNight, type WatchedPage } from '../test-support';

jest.setTimeout(120_000);

const EVIL = `evil ${HOSTILE.img}`;
const met = { outcome: 'met' as const };
const notMet = { outcome: 'not-met' as const };
const NIGHTS: PlannedNight[] = [
  { startedAt: new Date('2025-03-01T02:00:00Z'), campaigns: { steady: [met, met], 'flip-me': [met, met], 'flaky-one': [met, met, met], panicky: [met], 'broken-bed': [met], [EVIL]: [met] } },
  {
    startedAt: new Date('2025-03-02T02:00:00Z'),
    campaigns: {
      steady: [met, met],
      'flip-me': [notMet, notMet],
      'flaky-one': [met, notMet, met],
      panicky: [{ outcome: 'met', findings: [{ kind: 'kernel-panic', node: 'node2', message: `Kernel panic - not syncing: rxe ${HOSTILE.script}` }] }],
      'broken-bed': [{ outcome: 'infra', message: `data rail 0 froze: no probe on it was answered ${HOSTILE.svg}` }],
      [EVIL]: [met],
    },
  },
];

let tmp: string;
let browser: Browser;
let w: WatchedPage;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-nights-ui-'));
  const nights = writeNightStore(tmp, 'nightly', NIGHTS);
  // the steady campaign's last runs have their reports: those links go to report.html
  for (const r of nights[1]!.runs.filter((x) => x.campaign === 'steady')) writeReport(path.join(tmp, r.dir!));
  const r = buildIndex(tmp);
  expect(r.nights).toBe(2);
  browser = await launchChromium();
  w = await openWatched(browser, `file://${r.file}`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await w.page.screenshot({ path: path.join(ARTIFACTS, 'index-nights.png'), fullPage: true });
});

afterAll(async () => {
  await browser?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('what changed: the flip first, then the flaky campaign, the new finding and the infrastructure fault', async () => {
  const items = await w.page.locator('#nights li[data-change]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-change'), e.getAttribute('data-campaign')]));
  expect(items[0]).toEqual(['flip', 'flip-me']);
  expect(items.filter(([k]) => k === 'flip')).toEqual([['flip', 'flip-me']]);
  const kinds = items.map(([k]) => k);
  expect(kinds.lastIndexOf('flip')).toBeLessThan(kinds.indexOf('flaky'));
  expect(items).toEqual(expect.arrayContaining([['flaky', 'flaky-one'], ['finding', 'panicky'], ['infra', 'broken-bed']]));
  // nothing about the campaigns that did the same both nights
  expect(items.some(([, c]) => c === 'steady' || c === EVIL)).toBe(false);
  const flaky = w.page.locator('#nights li[data-change="flaky"]');
  await expect(flaky.isVisible()).resolves.toBe(true);
  expect(await flaky.innerText()).toContain('met in 2 of 3 repetitions');
  expect(await w.page.locator('#nights li[data-change="finding"]').innerText()).toContain('kernel-panic@node2');
  expect(await w.page.locator('#nights li[data-change="infra"]').innerText()).toContain('data rail 0 froze');
  // the morning view comes before the all-time tables
  const [nights, campaigns] = await Promise.all([w.page.locator('#nights').boundingBox(), w.page.locator('h2', { hasText: 'Campaigns' }).boundingBox()]);
  expect(nights!.y + nights!.height).toBeLessThanOrEqual(campaigns!.y);
});

test('one coloured cell per campaign and night, the flaky one marked as some, flips first in the grid', async () => {
  const rows = w.page.locator('#nights table.grid tbody tr');
  expect(await rows.count()).toBe(Object.keys(NIGHTS[1]!.campaigns).length);
  expect(await rows.first().getAttribute('data-campaign')).toBe('flip-me');
  const states = await rows.evaluateAll((trs) => Object.fromEntries(trs.map((tr) => [tr.getAttribute('data-campaign'), [...tr.querySelectorAll('td.cell')].map((td) => td.getAttribute('data-state'))])));
  expect(states).toEqual({ 'flip-me': ['all', 'nomet'], 'flaky-one': ['all', 'some'], steady: ['all', 'all'], panicky: ['all', 'all'], 'broken-bed': ['all', 'undecided'], [EVIL]: ['all', 'all'] });
  // the cells really are painted, and differently for different states
  // getComputedStyle through globalThis: this tree is type-checked without the DOM library
  type Styled = { getComputedStyle(e: unknown): { backgroundColor: string } };
  const bg = async (campaign: string, i: number): Promise<string> => w.page.locator(`#nights tr[data-campaign="${campaign}"] td.cell`).nth(i).evaluate((td) => (globalThis as unknown as Styled).getComputedStyle(td).backgroundColor);
  const [ok, some, bad] = [await bg('steady', 1), await bg('flaky-one', 1), await bg('flip-me', 1)];
  for (const c of [ok, some, bad]) expect(c).not.toBe('rgba(0, 0, 0, 0)');
  expect(new Set([ok, some, bad]).size).toBe(3);
});

test('every repetition links to its report, else to its run directory, and the links work', async () => {
  const links = await w.page.locator('#nights a.rep').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href')!, kind: a.getAttribute('data-report'), row: a.closest('tr')?.getAttribute('data-campaign') ?? a.closest('li')?.getAttribute('data-campaign') })));
  expect(links.length).toBeGreaterThan(0);
  for (const l of links) {
    const target = path.join(tmp, decodeURIComponent(l.href));
    expect(fs.existsSync(target)).toBe(true);
    if (l.kind === 'report') {
      expect(l.href.endsWith('/report.html')).toBe(true);
    } else {
      expect(l.href.endsWith('/')).toBe(true);
      expect(fs.existsSync(path.join(target, 'results.json'))).toBe(true);
    }
  }
  // 2 nights x 10 repetitions in the grid
  const grid = await w.page.locator('#nights table.grid a.rep').count();
  expect(grid).toBe(20);
  expect(links.filter((l) => l.kind === 'report').map((l) => l.row)).toEqual(['steady', 'steady']);
  // following one opens that run's report
  await w.page.locator('#nights tr[data-campaign="steady"] a.rep[data-report="report"]').first().click();
  await w.page.waitForSelector('body[data-verdict]');
  expect(await w.page.title()).toContain('steady');
  await w.page.goBack();
});

test('planted markup stays text, and the page raised no error', async () => {
  await w.page.waitForSelector('#nights');
  expect(await w.page.locator('img').count()).toBe(0);
  expect(await w.page.evaluate('window.__pwned')).toBeUndefined();
  const text = await w.page.locator('#nights').innerText();
  expect(text).toContain(EVIL);
  expect(text).toContain(HOSTILE.script);
  expect(w.errors).toEqual([]);
  expect(w.dialogs).toEqual([]);
});
