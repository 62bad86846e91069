// The nightly index: every run listed and linked, pass/fail per campaign over time, summaries
// cached per run and recomputed only when results.json changes, a broken run shown, not fatal.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SUMMARY_FILE, buildIndex, findRunDirs, indexRun, renderIndex } from '.';
import { HOSTILE, makeSyntheticRun, type Plant } from '../test-support';

let store: string;
const campaigns = ['shift-fadd', 'replay-cas', `evil ${HOSTILE.img}`];

beforeAll(() => {
  store = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-index-'));
  campaigns.forEach((c, ci) => {
    for (let k = 0; k < 3; k++) {
      const plant: Plant[] = k === 1 ? ['duplicateFadd'] : [];
      const dir = path.join(store, c.replace(/[^A-Za-z0-9-]/g, '_'), `2025-01-0${k + 1}T02-00-00Z`);
      makeSyntheticRun({ dir, campaign: c, ops: 300, seed: ci * 10 + k, plant, startedAt: new Date(Date.UTC(2025, 0, k + 1, 2)) });
    }
  });
  const broken = path.join(store, 'broken', '2025-01-01T00-00-00Z');
  fs.mkdirSync(broken, { recursive: true });
  fs.writeFileSync(path.join(broken, 'results.json'), '{"schema": 1,\n  "campaign": ');
});
afterAll(() => fs.rmSync(store, { recursive: true, force: true }));

function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
}

test('lists every run with a working link, campaigns with their history, a broken run as broken', () => {
  const r = buildIndex(store, { now: new Date('2025-01-04T00:00:00Z') });
  expect(r).toMatchObject({ runs: 10, cached: 0, broken: 1, rendered: 0 });
  const html = fs.readFileSync(r.file, 'utf8');
  for (const h of hrefs(html)) expect(fs.existsSync(path.join(store, decodeURIComponent(h)))).toBe(true);
  // every run links twice: from its campaign's strip and from the table
  expect(hrefs(html)).toHaveLength(10 * 2);
  expect(html.match(/<td>2\/3<\/td>/g)).toHaveLength(3);
  expect(html.match(/class="badge" style="background:#c62828">invalid/g)).toHaveLength(3);
  expect(html).toContain('not valid JSON');
  expect(html).not.toContain(HOSTILE.img);
  expect(html).toContain('evil &quot;&gt;&lt;img');
});

test('incremental: unchanged runs come from the cache; a rewritten results.json is summarized again', () => {
  buildIndex(store);
  const again = buildIndex(store);
  expect(again.cached).toBe(9);
  const dir = path.join(store, 'shift-fadd', '2025-01-03T02-00-00Z');
  const file = path.join(dir, 'results.json');
  const res = JSON.parse(fs.readFileSync(file, 'utf8')) as { verdict: string; durationMs: number };
  res.verdict = 'unknown';
  fs.writeFileSync(file, JSON.stringify(res));
  const after = buildIndex(store);
  expect(after.cached).toBe(8);
  expect(JSON.parse(fs.readFileSync(path.join(dir, SUMMARY_FILE), 'utf8')).summary.verdict).toBe('unknown');
});

test('--render writes the missing reports and links them', () => {
  const r = buildIndex(store, { render: true });
  expect(r.rendered).toBe(9);
  const html = fs.readFileSync(r.file, 'utf8');
  const links = hrefs(html).filter((h) => h.endsWith('report.html'));
  expect(links).toHaveLength(18);
  for (const h of links) expect(fs.existsSync(path.join(store, decodeURIComponent(h)))).toBe(true);
  expect(buildIndex(store, { render: true }).rendered).toBe(0);
});

test('a store of plain runs (no nights) gets no morning view: the page is the one rendered without nights', () => {
  const now = new Date('2025-01-04T00:00:00Z');
  const r = buildIndex(store, { now });
  expect(r.nights).toBe(0);
  expect(r.changes).toEqual([]);
  const html = fs.readFileSync(r.file, 'utf8');
  expect(html).not.toContain('id="nights"');
  expect(html).toBe(renderIndex({ store, out: r.file, runs: findRunDirs(store).map(indexRun), generatedAt: now.toISOString() }));
});
