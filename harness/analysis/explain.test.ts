// A violation with a sure pattern is explained by the impossibility result it instantiates: the
// result, what the sender saw, what executed (memory, final values, rxe counters) and why no
// transparent failover avoids it. The explanation is built from the run's own data, never fixed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checksToRecords } from '.';
import { makeSyntheticRun } from '../../reports/test-support';
import { workloadPatterns } from '../../workloads';
import { pairEvents, RunResults, type HistoryEvent } from '../core';

const patterns = workloadPatterns();
const label = (name: string): string => patterns.find((p) => p.name === name)!.label;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-explain-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const RESULTS: Record<string, RegExp> = {
  'duplicate-fadd': /^FADD non-idempotency/,
  'cas-double-success': /^CAS double success under a concurrent reset$/,
  'queue-sliding': /^queue sliding$/,
  'stale-write-over-reused-buffer': /^indistinguishability of packet loss and ACK loss/,
};
const EXECUTED: Record<string, RegExp> = {
  'duplicate-fadd': /^The FADDs on ctr-failover add 5 acknowledged, yet the counter ends at 6: 1 more than/,
  'cas-double-success': /^2 CAS on cas-reset swapped B1 away \(ops \d+, \d+\), but only op (\d+) ever put B1 there: op \1 executed more than once\.$/,
  'queue-sliding': /^Message q3 on q-failover was received twice \(ops \d+, \d+\) but sent once \(op \d+\)/,
  'stale-write-over-reused-buffer': /^Read op \d+ returned d1, the value of re-posted write op \d+, though op \d+ had written buf-0 since/,
};

test('every planted pattern is explained by its result, the sender view and what executed', () => {
  const r = makeSyntheticRun({ dir: path.join(tmp, 'four'), ops: 2000, plant: ['duplicateFadd', 'casDoubleSuccess', 'queueSliding', 'staleWrite'], seed: 5 });
  const named = r.results.checks.flatMap((c) => c.violations).filter((v) => v.pattern);
  expect(new Set(named.map((v) => v.pattern))).toEqual(new Set(Object.keys(RESULTS).map(label)));
  for (const v of named) {
    const name = patterns.find((p) => p.label === v.pattern)!.name;
    const e = v.explained!;
    expect(e.result).toMatch(RESULTS[name]!);
    expect(e.unavoidable).toMatch(/^No transparent failover can avoid it: .*; what would is an error returned to the application/);
    // the sender's side: the re-posted op, with the policy that re-posted it and the rail
    expect(e.sender.join('\n')).toMatch(/: (fadd|cas|send|write) .*last posted on rail 1 after 1 failover\(s\); re-posted by the replay policy/);
    // the executed side: the workload's account (the stream-misaligned view sees only the later receive)
    if (v.kind !== 'stream-misaligned') expect(e.executed).toEqual(expect.arrayContaining([expect.stringMatching(EXECUTED[name]!)]));
    expect(e.executed).toEqual(expect.arrayContaining([expect.stringMatching(/^rxe counters during nic-failover nic-failover-2: .*node2\/rxe0 .*link_downed 1/)]));
  }
  const fadd = named.find((v) => v.kind === 'duplicate' && v.pattern === label('duplicate-fadd'))!;
  expect(fadd.explained!.executed).toContain(`The final snapshot of the responder's memory reads ctr-failover = 6 (op ${fadd.explained!.executed.join(' ').match(/= 6 \(op (\d+)/)![1]}, after every op completed).`);
  // what results.json holds parses back with its explanations
  const back = RunResults.parse(JSON.parse(fs.readFileSync(path.join(r.dir, 'results.json'), 'utf8')));
  expect(back.checks.flatMap((c) => c.violations).filter((v) => v.explained).length).toBe(named.length);
});

test('under read-verify a CAS double success instantiates the read-only verification barrier', () => {
  const r = makeSyntheticRun({ dir: path.join(tmp, 'rv'), ops: 800, plant: ['casDoubleSuccess'], seed: 7, policy: 'read-verify' });
  const v = r.results.checks.flatMap((c) => c.violations).find((x) => x.pattern === label('cas-double-success'))!;
  expect(v.explained!.result).toBe('the read-only verification barrier (read-verify)');
  expect(v.explained!.statement).toMatch(/A read shows the current value, not which operations produced it/);
  expect(v.explained!.sender.join('\n')).toMatch(/re-posted by the read-verify policy/);
});

function ev(process: number, type: HistoryEvent['type'], f: HistoryEvent['f'], extra: Partial<HistoryEvent>): HistoryEvent {
  return { type, process, f, ...extra } as HistoryEvent;
}

test('only a sure match is explained, and an info FADD is counted as in doubt, not as extra', () => {
  const ops: HistoryEvent[] = [
    ev(0, 'invoke', 'fadd', { key: 'k', value: 1, time: 10 }),
    ev(0, 'ok', 'fadd', { key: 'k', value: 1, result: 0, time: 20 }),
    ev(2, 'invoke', 'fadd', { key: 'k', value: 1, time: 21, rdma: { rail: 0, epoch: 0 } }),
    ev(2, 'info', 'fadd', { key: 'k', value: 1, error: 'IBV_WC_RETRY_EXC_ERR', time: 29, rdma: { rail: 0, epoch: 0 } }),
    ev(1, 'invoke', 'read', { key: 'k', time: 30, final: true }),
    ev(1, 'ok', 'read', { key: 'k', result: 3, time: 40, final: true }),
  ];
  const v = { kind: 'duplicate' as const, message: 'FADD +1 executed 2 times', ops: [0, 1] };
  const rec = (events: HistoryEvent[]) => checksToRecords([{ checker: 'at-most-once', verdict: 'invalid', ms: 1, summary: '', violations: [v] }], pairEvents(events, { file: 't' }), patterns)[0]!.violations[0]!;
  // no re-post and no failover around it: a possible match, and no theory is claimed
  expect(rec(ops)).toMatchObject({ match: { confidence: 'possible' } });
  expect(rec(ops).explained).toBeUndefined();
  const fault = { id: 'f1', kind: 'nic-failover', targets: ['n2'] };
  const e = rec([{ type: 'ok', process: 'nemesis', f: 'start', fault, time: 5 }, ...ops, { type: 'ok', process: 'nemesis', f: 'stop', fault, time: 50 }]).explained!;
  expect(e.executed[0]).toBe('The FADDs on k add 1 acknowledged and at most 1 in doubt, yet the counter ends at 3: 1 more than executing each FADD once could give.');
  expect(e.sender).toEqual(expect.arrayContaining([expect.stringMatching(/^op 1 \(p2\): fadd \+1 on k, sent at 0\.00 s, got no answer \(IBV_WC_RETRY_EXC_ERR\), 0 µs later: the sender cannot know whether it executed; last posted on rail 0\.$/)]));
});
