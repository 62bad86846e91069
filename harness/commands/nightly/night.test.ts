// The night's bookkeeping without a cluster: the plan's order and seeds, how a stored result
// becomes an outcome, the exit code, the JUnit XML, and the suite lock.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nightExit, type NightRun, type RunResults } from '../../core';
import { junitProblems, nightJunitXml } from '../../../reports';
import { lockSuite } from './lock';
import { createNight, planNight, readNight, unfinishedNight, saveNight } from './night';
import type { ChildEnd } from './child';
import { fromResults, settleEnded } from './outcome';
import type { Suite } from '../../campaign';

const entry = (campaign: string, repetitions: number, seeds: Suite['entries'][number]['seeds']): Suite['entries'][number] =>
  ({ file: `/c/${campaign}.yaml`, campaign, repetitions, seeds, durationMs: 5000, timeoutMs: 60_000, nodes: 2, rails: 2 });
const suite: Suite = { name: 's', file: '/c/suite.yaml', budgetMs: 3600_000, entries: [entry('a', 2, [1, 2]), entry('b', 3, 'fresh'), entry('c', 1, 9)] };

test('runs go round-robin over the campaigns, each with its seed', () => {
  let n = 100;
  const runs = planNight(suite, () => n++);
  expect(runs.map((r) => `${r.id}:${r.seed}`)).toEqual(['001-a-r1:1', '002-b-r1:100', '003-c-r1:9', '004-a-r2:2', '005-b-r2:101', '006-b-r3:102']);
  expect(runs.every((r) => r.status === 'pending')).toBe(true);
});

const results = (o: Partial<RunResults>): RunResults => ({
  schema: 1, campaign: 'a', seed: 1, startedAt: '', endedAt: '', durationMs: 1000, cluster: { driver: 'local', nodes: ['node1'], rails: 2 },
  verdict: 'valid', checks: [], findings: [], faults: [], counters: [], stats: [], clean: true, ...o,
});
const outcome = (o: Partial<RunResults>): NightRun => {
  const r = planNight(suite)[0]!;
  fromResults(r, results(o));
  return r;
};

test.each<[string, Partial<RunResults>, string]>([
  ['valid, no expectation', {}, 'met'],
  ['invalid, no expectation', { verdict: 'invalid' }, 'not-met'],
  ['expected violation found', { verdict: 'invalid', expected: { verdict: 'invalid', matched: true } }, 'met'],
  ['expected valid, got invalid', { verdict: 'invalid', expected: { verdict: 'valid', matched: false } }, 'not-met'],
  ['checker gave up', { verdict: 'unknown', expected: { verdict: 'valid', matched: false } }, 'unknown'],
  ['infrastructure fault', { verdict: 'unknown', infrastructureFault: { reason: 'rail 0 frozen', repaired: true }, expected: { verdict: 'valid', matched: false } }, 'infra'],
  ['node lost', { verdict: 'unknown', nodesLost: ['node2'] }, 'infra'],
  ['interrupted, clean so far', { incomplete: true, expected: { verdict: 'valid', matched: true } }, 'unknown'],
  ['interrupted, expected violation found', { verdict: 'invalid', incomplete: true, expected: { verdict: 'invalid', matched: true } }, 'met'],
])('%s -> %s', (_what, o, want) => {
  expect(outcome(o).outcome).toBe(want);
});

test('the exit code: a miss over an undecided run over all met', () => {
  expect(nightExit([{ outcome: 'met' }, { outcome: 'met' }])).toBe(0);
  expect(nightExit([{ outcome: 'met' }, { outcome: 'unknown' }])).toBe(2);
  expect(nightExit([{ outcome: 'skipped' }, { outcome: 'met' }])).toBe(2);
  expect(nightExit([{ outcome: 'crashed' }, { outcome: 'not-met' }])).toBe(1);
});

let tmp: string;
beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-night-'))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('JUnit XML of a night: one testcase per run, the schema, failures, errors and skips counted', () => {
  const { night, dir } = createNight(tmp, suite, 'local', new Date('2026-12-04T01:00:00Z'));
  const set = (i: number, o: Partial<NightRun>): void => void Object.assign(night.runs[i]!, { status: 'done', ...o });
  set(0, { outcome: 'met', verdict: 'valid' });
  set(1, { outcome: 'not-met', verdict: 'invalid', expected: { verdict: 'valid', matched: false } });
  set(2, { outcome: 'crashed', message: 'exit 255: internal error <&>' });
  set(3, { outcome: 'timed-out' });
  set(4, { outcome: 'skipped', message: 'budget' });
  set(5, { outcome: 'met', verdict: 'invalid', expected: { verdict: 'invalid', matched: true } });
  saveNight(dir, night);
  const xml = nightJunitXml(readNight(dir));
  expect(junitProblems(xml)).toEqual([]);
  expect(xml).toMatch(/<testsuite [^>]*tests="6" failures="1" errors="2" skipped="1"/);
  expect(xml).toContain('internal error &lt;&amp;&gt;');
  // not ended: --resume finds it; ended: it does not
  expect(unfinishedNight(tmp, 's')).toBe(dir);
  saveNight(dir, { ...night, exitCode: 1 });
  expect(unfinishedNight(tmp, 's')).toBeUndefined();
});

test('one controller per suite and store; a dead holder\'s lock is taken over', () => {
  const unlock = lockSuite(tmp, 'locked');
  expect(() => lockSuite(tmp, 'locked')).toThrow(/already running in this store \(pid \d+\)/);
  unlock();
  // a lock left by a killed controller (a pid that is not alive)
  fs.writeFileSync(path.join(tmp, 'nights', 'locked', '.lock'), JSON.stringify({ pid: 2 ** 22 + 1, starttime: 1, role: 'nightly', marker: '' }));
  lockSuite(tmp, 'locked')();
});

test('a run the cluster cannot do (its refusal line) is skipped with the reason; any other exit without results is infra or crashed', () => {
  const run = (): NightRun => ({ id: '001-a-r1', campaign: 'a', file: '/c/a.yaml', repetition: 1, seed: 1, status: 'running' }) as NightRun;
  const end = (exitCode: number, tail: string[]): ChildEnd => ({ exitCode, signal: null, tail, timedOut: false, ms: 900 });
  const refused = run();
  settleEnded('/nonexistent', refused, end(254, ['rdma-chaos: /c/a.yaml: fault f1-crash (crash, method kill) on node2 needs a driver that can crash nodes; the ssh driver cannot (node2 has no power commands in the inventory) [run.faultUnsupported]']), 60_000);
  expect({ outcome: refused.outcome, message: refused.message }).toEqual({ outcome: 'skipped', message: '/c/a.yaml: fault f1-crash (crash, method kill) on node2 needs a driver that can crash nodes; the ssh driver cannot (node2 has no power commands in the inventory)' });
  const infra = run();
  settleEnded('/nonexistent', infra, end(2, ['rdma-chaos: node node2: connection lost while running rdma; outcome unknown']), 60_000);
  expect(infra.outcome).toBe('infra');
  const bad = run();
  settleEnded('/nonexistent', bad, end(254, ['rdma-chaos: /c/a.yaml:3: duration: expected a duration [campaign.invalid]']), 60_000);
  expect(bad.outcome).toBe('crashed');
});
