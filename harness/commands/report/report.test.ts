// `rdma-chaos report` and `report index` through the CLI: exit codes, outputs, one-line errors.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { junitProblems } from '../../../reports';
import { makeSyntheticRun, writeNightStore } from '../../../reports/test-support';
import { cli } from '../../test-support';

let tmp: string;
let run: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-report-cmd-'));
  run = path.join(tmp, 'store', 'shift-fadd', '2025-01-01T02-00-00Z');
  makeSyntheticRun({ dir: run, ops: 1500, campaign: 'shift-fadd' });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('writes report.html, JUnit XML and the JSON summary; exits 0 whatever the verdict', async () => {
  const junit = path.join(tmp, 'junit.xml');
  const r = await cli('report', run, '--junit', junit, '--json');
  expect(r.code).toBe(0);
  const s = JSON.parse(r.out) as { report: string; verdict: string; violations: number; checks: { checker: string }[]; campaign: string };
  expect(s).toMatchObject({ report: path.join(run, 'report.html'), verdict: 'invalid', campaign: 'shift-fadd' });
  expect(s.violations).toBeGreaterThan(0);
  expect(fs.readFileSync(s.report, 'utf8')).toMatch(/^<!DOCTYPE html>/);
  expect(junitProblems(fs.readFileSync(junit, 'utf8'))).toEqual([]);
  const plain = await cli('report', run, '--out', path.join(tmp, 'r.html'));
  expect(plain.out).toMatch(/r\.html: invalid \(1,5\d\d ops, timeline detail, 0\.\d MB\)/);
});

test('bad input ends with one line and exit 254', async () => {
  const missing = await cli('report', path.join(tmp, 'nope'));
  expect(missing).toMatchObject({ code: 254, out: '' });
  expect(missing.err).toMatch(/^rdma-chaos: .*nope: no such run directory \[report\.noRunDir\]\n$/);

  const broken = path.join(tmp, 'broken');
  fs.mkdirSync(broken);
  const res = JSON.parse(fs.readFileSync(path.join(run, 'results.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(broken, 'results.json'), JSON.stringify({ ...res, verdict: 'maybe' }));
  const bad = await cli('report', broken);
  expect(bad.code).toBe(254);
  expect(bad.err).toMatch(/results\.json: verdict: .*\[report\.badResults\]\n$/);
  expect(bad.err.split('\n')).toHaveLength(2);

  const creds = await cli('report', run, '--influx', 'http://admin:hunter2@127.0.0.1:8086/db');
  expect(creds.code).toBe(254);
  expect(creds.err).toContain('[influx.credentialsInUrl]');
  expect(creds.err).not.toContain('hunter2');

  const noDir = await cli('report', run, '--junit', path.join(tmp, 'no', 'such', 'dir', 'j.xml'));
  expect(noDir.code).toBe(254);
  expect(noDir.err).toContain('[report.badOutput]');
});

test('report index builds the store index', async () => {
  const r = await cli('report', 'index', path.join(tmp, 'store'), '--json');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.out)).toMatchObject({ runs: 1, cached: 0, file: path.join(tmp, 'store', 'index.html') });
  expect((await cli('report', 'index', path.join(tmp, 'missing'))).code).toBe(254);
});

test('report index over a store of nights says what changed, a line per suite; --json lists it', async () => {
  const store = path.join(tmp, 'nightly-store');
  writeNightStore(store, 'nightly', [
    { startedAt: new Date('2025-02-01T02:00:00Z'), campaigns: { a: [{ outcome: 'met' }], b: [{ outcome: 'met' }, { outcome: 'met' }] } },
    { startedAt: new Date('2025-02-02T02:00:00Z'), campaigns: { a: [{ outcome: 'not-met' }], b: [{ outcome: 'met' }, { outcome: 'not-met' }] } },
  ]);
  const plain = await cli('report', 'index', store, '--nights', '7');
  expect(plain.code).toBe(0);
  expect(plain.out).toMatch(/: 6 runs \(0 from cache\), 2 nights in \d+ ms\n  suite nightly, night 2025-02-02T02-00-00Z: 1 flip\(s\) \(a\), 1 flaky, 0 new finding\(s\), 0 infrastructure fault\(s\)\n$/);
  const json = JSON.parse((await cli('report', 'index', store, '--json')).out) as { nights: number; changes: unknown[] };
  expect(json.nights).toBe(2);
  expect(json.changes).toEqual([{ suite: 'nightly', night: '2025-02-02T02-00-00Z', previous: '2025-02-01T02-00-00Z', flips: ['a'], flaky: ['b'], newFindings: 0, infra: 0 }]);
  expect((await cli('report', 'index', store, '--nights', '0')).code).toBe(254);
});

test('--help shows examples', async () => {
  const r = await cli('report', '--help');
  expect(r.code).toBe(0);
  expect(r.out).toContain('rdma-chaos report index store');
  expect(r.out).toContain('--junit junit.xml');
});
