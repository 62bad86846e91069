// What changed overnight, on hand-built nights: a flip, a flaky campaign, a new finding, an
// infrastructure fault, a quiet night, a first night, and no nights at all.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Night, type NightOutcome, type NightRun } from '../../harness/core';
import { campaignNight, findingKey, quiet, readNights, whatChanged } from '.';

type Rep = [NightOutcome | undefined, NightRun['verdict']?, string[]?];

function night(id: string, campaigns: Record<string, Rep[]>): Night {
  const runs: NightRun[] = [];
  for (const [campaign, reps] of Object.entries(campaigns)) {
    reps.forEach(([outcome, verdict, findings], i) => {
      const r: NightRun = { id: `${runs.length}-${campaign}-r${i + 1}`, campaign, file: `/suite/${campaign}.yaml`, repetition: i + 1, repetitions: reps.length, seed: 7 + i, status: outcome ? 'done' : 'pending' };
      if (outcome) r.outcome = outcome;
      if (verdict) r.verdict = verdict;
      if (findings) r.findings = findings;
      if (outcome === 'infra') r.message = 'fabric froze on rail0';
      runs.push(r);
    });
  }
  return Night.parse({ schema: 1, suite: 'nightly', suiteFile: '/suite.yaml', night: id, startedAt: `${id}T02:00:00Z`, cluster: 'local', budgetMs: 3600_000, starts: 1, runs });
}

const MET_VALID: Rep = ['met', 'valid'];
const NOT_MET_INVALID: Rep = ['not-met', 'invalid'];

test('a campaign whose expectation went from met to not met is a flip; an unchanged one is not', () => {
  const before = night('2025-01-01', { a: [MET_VALID, MET_VALID], b: [MET_VALID] });
  const after = night('2025-01-02', { a: [NOT_MET_INVALID, NOT_MET_INVALID], b: [MET_VALID] });
  const ch = whatChanged(after, before);
  expect(ch.flips.map((f) => [f.campaign, f.expectation, f.verdict, f.from.state, f.to.state])).toEqual([['a', true, true, 'all', 'nomet']]);
  expect(ch.previous).toBe('2025-01-01');
  expect(quiet(ch)).toBe(false);
  // and back again is a flip too
  expect(whatChanged(before, after).flips.map((f) => f.campaign)).toEqual(['a']);
});

test('a verdict change with the expectation still met is a flip of the verdict only', () => {
  // a self-testing campaign expecting a violation: valid then invalid, both met
  const ch = whatChanged(night('n2', { c: [['met', 'invalid']] }), night('n1', { c: [['met', 'valid']] }));
  expect(ch.flips.map((f) => [f.campaign, f.expectation, f.verdict])).toEqual([['c', false, true]]);
});

test('met in k of n repetitions is flaky, not a flip; undecided repetitions do not count', () => {
  const before = night('n1', { f: [MET_VALID, MET_VALID, MET_VALID] });
  const after = night('n2', { f: [MET_VALID, NOT_MET_INVALID, MET_VALID, ['infra', 'unknown']] });
  const ch = whatChanged(after, before);
  expect(ch.flips).toEqual([]);
  expect(ch.flaky.map((c) => [c.campaign, c.met, c.decided, c.state, c.verdict])).toEqual([['f', 2, 3, 'some', 'mixed']]);
  expect(ch.infra.map((r) => [r.campaign, r.repetition, r.outcome])).toEqual([['f', 4, 'infra']]);
});

test('a finding not seen the night before is new; the same finding with other numbers is not', () => {
  const before = night('n1', { a: [['met', 'valid', ['BUG: soft lockup - CPU#1 stuck for 22s']]], b: [MET_VALID] });
  const after = night('n2', {
    a: [['met', 'valid', ['BUG: soft lockup - CPU#0 stuck for 23s']]],
    b: [['met', 'valid', ['kernel panic: rxe_rcv at 0xffffffffc0a1']], ['met', 'valid', ['kernel panic: rxe_rcv at 0xffffffffc0b2']]],
  });
  const ch = whatChanged(after, before);
  expect(ch.newFindings.map((n) => [n.campaign, n.finding.message, n.runs.map((r) => r.repetition)])).toEqual([['b', 'kernel panic: rxe_rcv at 0xffffffffc0a1', [1, 2]]]);
  // per campaign: the lockup is new where it was not seen before
  const moved = whatChanged(night('n3', { b: [['met', 'valid', ['BUG: soft lockup - CPU#0 stuck for 23s']]] }), before);
  expect(moved.newFindings.map((n) => n.campaign)).toEqual(['b']);
  // kind and message both count, node does not
  expect(findingKey({ kind: 'kernel-oops', node: 'node2', message: 'x at 0x10' })).toBe(findingKey({ kind: 'kernel-oops', node: 'node3', message: 'x at 0x2f' }));
  expect(findingKey({ kind: 'kernel-oops', message: 'x' })).not.toBe(findingKey({ kind: 'kernel-panic', message: 'x' }));
});

test('infra, crashed and timed-out runs are listed as infrastructure faults, unknown last; skipped apart', () => {
  const after = night('n2', { a: [['unknown', 'unknown'], ['crashed'], ['infra', 'unknown'], ['timed-out'], ['skipped'], MET_VALID] });
  const ch = whatChanged(after, night('n1', { a: [MET_VALID] }));
  expect(ch.infra.map((r) => r.outcome)).toEqual(['infra', 'crashed', 'timed-out', 'unknown']);
  expect(ch.skipped.map((r) => r.repetition)).toEqual([5]);
  // one met, nothing decided against it: not flaky, no flip
  expect(ch.flaky).toEqual([]);
  expect(ch.flips).toEqual([]);
});

test('a night like the one before is quiet; a first night has nothing to flip against', () => {
  const n1 = night('n1', { a: [MET_VALID], b: [NOT_MET_INVALID] });
  const n2 = night('n2', { a: [MET_VALID], b: [NOT_MET_INVALID] });
  expect(quiet(whatChanged(n2, n1))).toBe(true);
  const first = whatChanged(night('n1', { a: [['met', 'valid', ['hung task']]] }), undefined);
  expect(first.previous).toBeUndefined();
  expect(first.flips).toEqual([]);
  expect(first.newFindings).toHaveLength(1);
});

test('cell states: all met, some, none, not decided (runs still pending count as undecided)', () => {
  expect(campaignNight('x', night('n', { x: [MET_VALID, MET_VALID] }).runs).state).toBe('all');
  expect(campaignNight('x', night('n', { x: [MET_VALID, NOT_MET_INVALID] }).runs).state).toBe('some');
  expect(campaignNight('x', night('n', { x: [NOT_MET_INVALID, ['crashed']] }).runs).state).toBe('nomet');
  expect(campaignNight('x', night('n', { x: [['infra'], [undefined]] }).runs).state).toBe('undecided');
});

test('a store without nights has none; a broken night.json is reported, the others read', () => {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-nights-'));
  try {
    expect(readNights(store)).toEqual({ suites: new Map(), errors: [] });
    const put = (suite: string, id: string, text: string): void => {
      fs.mkdirSync(path.join(store, 'nights', suite, id), { recursive: true });
      fs.writeFileSync(path.join(store, 'nights', suite, id, 'night.json'), text);
    };
    put('nightly', '2025-01-02', JSON.stringify(night('2025-01-02', { a: [MET_VALID] })));
    put('nightly', '2025-01-01', JSON.stringify(night('2025-01-01', { a: [MET_VALID] })));
    put('nightly', '2025-01-03', '{"schema": 1, "suite": ');
    const r = readNights(store);
    expect(r.suites.get('nightly')!.map((n) => n.night)).toEqual(['2025-01-01', '2025-01-02']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.file).toContain('2025-01-03');
  } finally {
    fs.rmSync(store, { recursive: true, force: true });
  }
});
