// The cache-tree section from a hand-built results record and history (no browser): none for a
// run whose checks rebuilt no cache tree; for one that did, its configuration, counts and
// violations listed and the tree drawn with the fork marked; a check whose history has no cache
// event says so; values from the history come out escaped; and the run page carries it.
import { cacheKey, RunResults, type Cache, type CacheTreeViolation, type Operation } from '../../harness/core';
import { renderReport } from '.';
import { cacheTreeSectionHtml } from './cache-tree-section';

const EVIL = 'B<script>alert(1)</script>';

// A and EVIL each commit on their own branch below cA0: a fork
const TREE: Cache[] = [
  { id: 'r', kind: 'M', time: 0, leader: '-' },
  { id: 'eA', kind: 'E', parent: 'r', time: 1, leader: 'A', supporters: ['A', 'B'] },
  { id: 'cA0', kind: 'C', parent: 'eA', time: 1, leader: 'A', supporters: ['A', 'B'] },
  { id: 'rA', kind: 'R', parent: 'cA0', time: 1, leader: 'A', config: ['A', 'B', 'C', 'D'] },
  { id: 'mA', kind: 'M', parent: 'rA', time: 1, leader: 'A', method: 'put x 1' },
  { id: 'cA', kind: 'C', parent: 'mA', time: 1, leader: 'A', supporters: ['A', 'D', 'C'] },
  { id: 'eB', kind: 'E', parent: 'cA0', time: 2, leader: EVIL, supporters: ['B', 'C'] },
  { id: 'cB', kind: 'C', parent: 'eB', time: 2, leader: EVIL, supporters: ['B', 'C'] },
];
const FORK: CacheTreeViolation = {
  rule: 'fork',
  message: `the log forks below cA0: A committed cA at time 1, and ${EVIL} committed cB at time 2`,
  caches: ['cA', 'cB'],
  branches: [
    { leader: 'A', time: 1, config: ['A', 'B', 'C', 'D'], supporters: ['A', 'D', 'C'], path: ['rA', 'mA', 'cA'], commit: 'cA' },
    { leader: EVIL, time: 2, config: ['A', 'B', 'C'], supporters: ['B', 'C'], path: ['eB', 'cB'], commit: 'cB' },
  ],
};

let id = 0;
const op = (o: Partial<Operation>): Operation => ({ id: id++, process: 1, f: 'write', status: 'ok', call: id, ret: id, callTime: id * 1e6, retTime: id * 1e6 + 10, ...o }) as Operation;
const cacheOp = ({ id: cid, ...value }: Cache): Operation => op({ process: 9001, f: 'cache', key: cacheKey(cid), value: value as unknown as Operation['value'], node: 'node1' });

type Check = RunResults['checks'][number];
const check = (checker: string, cacheTree?: Check['cacheTree']): Check => ({ checker, verdict: cacheTree?.violations.length ? 'invalid' : 'valid', ms: 1, summary: '', violations: [], ...(cacheTree ? { cacheTree } : {}) });
// parsed, so the record is one a results.json could hold
const results = (checks: Check[]): RunResults =>
  RunResults.parse({
    schema: 1, campaign: 'reconfig', seed: 1, startedAt: '2026-01-01T00:00:00Z', endedAt: '2026-01-01T00:01:00Z', durationMs: 60_000,
    cluster: { driver: 'sim', nodes: ['node1', 'node2', 'node3'], rails: 1 },
    verdict: checks.some((c) => c.verdict === 'invalid') ? 'invalid' : 'valid',
    checks, findings: [], faults: [], counters: [], stats: [], clean: true,
  });

const history = (): Operation[] => {
  id = 0;
  return [op({ key: 'x', value: 1 }), ...TREE.map(cacheOp), op({ f: 'cache', key: 'cache@bad', value: { kind: 'Z' } })];
};

test('no check rebuilt a cache tree: no section', () => {
  expect(cacheTreeSectionHtml(results([check('linearizability')]), history())).toBe('');
});

test('a fork: listed with its rule, the counts of each kind, the fork drawn in red', () => {
  const html = cacheTreeSectionHtml(results([check('linearizability'), check('cache tree <i>', { initial: ['A', 'B', 'C'], violations: [FORK] })]), history());
  expect(html.match(/<section /g)).toHaveLength(1);
  expect(html).toMatch(/^<section class="cache-tree" id="cache-tree-0"><h2>Cache tree — cache tree &lt;i&gt;<\/h2>/);
  expect(html).toContain('<b>E</b> election · <b>M</b> method · <b>R</b> reconfiguration · <b>C</b> commit');
  expect(html).toContain('initial configuration {A, B, C}');
  // the malformed cache event is not one
  expect(html).toContain('<p class="ct-counts">8 caches: 2 E, 2 M, 1 R, 3 C</p>');
  const items = [...html.matchAll(/<li data-rule="([^"]+)"><span class="ct-rule">([^<]+)<\/span>: ([^<]*)/g)].map((m) => [m[1], m[2], m[3]]);
  expect(items).toEqual([['fork', 'fork', 'the log forks below cA0: A committed cA at time 1, and B&lt;script&gt;alert(1)&lt;/script&gt; committed cB at time 2']]);
  // cacheTreeSvg's marks: each fork node flagged and classed, the fork's edges red
  const forked = [...html.matchAll(/<g class="cache [^"]*\bfork\b[^"]*" data-ids="([^"]+)"[^>]* data-fork="1">/g)].map((m) => m[1]).sort();
  expect(forked).toEqual(['cA', 'cB', 'eB', 'mA', 'rA']);
  expect(html.match(/<line class="edge fork"/g)).toHaveLength(5);
  expect(html).toContain('<figure class="cache-tree" data-caches="8"');
});

test('a leader named with markup comes out escaped, in the list, the svg and the heading', () => {
  const html = cacheTreeSectionHtml(results([check(EVIL, { initial: [EVIL], violations: [FORK] })]), history());
  expect(html).not.toContain('<script');
  expect(html).toContain('<h2>Cache tree — B&lt;script&gt;alert(1)&lt;/script&gt;</h2>');
  expect(html).toContain('initial configuration {B&lt;script&gt;alert(1)&lt;/script&gt;}');
  expect(html).toContain('leader B&lt;script&gt;alert(1)&lt;/script&gt;, t=2');
});

test('a cache tree check with no cache event in the history: said so, nothing drawn', () => {
  id = 0;
  const html = cacheTreeSectionHtml(results([check('cache tree', { initial: ['A'], violations: [] })]), [op({ key: 'x' })]);
  expect(html).toContain('<p class="ct-no-caches none">The history has no cache event, so the tree cannot be drawn.</p>');
  expect(html).toContain('The cache tree breaks no rule.');
  expect(html).not.toContain('<svg');
});

test('the run page carries one section per cache-tree check, after the counters and before the violations', () => {
  const ops = history();
  const r = results([check('cache tree', { initial: ['A', 'B', 'C'], violations: [FORK] }), check('cache tree again', { initial: ['A'], violations: [] })]);
  const html = renderReport({ dir: '/nowhere', results: r, ops, faults: [], counterSamples: [], notes: [] });
  const at = ['id="counters"', 'id="cache-tree-0"', 'id="cache-tree-1"', 'id="violations"'].map((s) => html.indexOf(s));
  expect(at.every((x) => x > 0)).toBe(true);
  expect([...at].sort((a, b) => a - b)).toEqual(at);
  expect(html).not.toContain('<script>alert');
});
