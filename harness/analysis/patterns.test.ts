// Each planted failover failure is caught by the checker that should catch it and is named
// after its known pattern; look-alikes without failover evidence are not claimed as matches.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checksToRecords, classifyViolation as classifyWith } from '.';
import { loadRun } from '../../reports';
import { makeSyntheticRun, type Plant } from '../../reports/test-support';
import { workloadPatterns } from '../../workloads';
import { pairEvents, type HistoryEvent, type PatternContext, type ViolationShape } from '../core';

const patterns = workloadPatterns();
const classifyViolation = (v: ViolationShape, ctx: PatternContext) => classifyWith(v, ctx, patterns);
const label = (name: string): string => patterns.find((p) => p.name === name)!.label;
const PATTERNS = { duplicateFadd: label('duplicate-fadd'), casDoubleSuccess: label('cas-double-success'), queueSliding: label('queue-sliding'), staleWrite: label('stale-write-over-reused-buffer') };

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-patterns-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cases: [Plant, string, string | undefined][] = [
  ['duplicateFadd', 'at-most-once', PATTERNS.duplicateFadd],
  ['casDoubleSuccess', 'at-most-once', PATTERNS.casDoubleSuccess],
  ['casDoubleSuccess', 'linearizable (cas-register)', PATTERNS.casDoubleSuccess],
  ['queueSliding', 'stream', PATTERNS.queueSliding],
  ['staleWrite', 'linearizable (register)', PATTERNS.staleWrite],
  ['staleRead', 'linearizable (register)', undefined],
];

test.each(cases)('planted %s is found by %s and named %s', (plant, checker, pattern) => {
  const dir = path.join(tmp, `${plant}-${checker.replace(/\W/g, '')}`);
  const r = makeSyntheticRun({ dir, ops: 800, plant: [plant], seed: 7 });
  expect(r.results.verdict).toBe('invalid');
  const check = r.results.checks.find((c) => c.checker === checker)!;
  expect(check.verdict).toBe('invalid');
  expect(check.violations.map((v) => v.pattern)).toContain(pattern);
  // the background workload never produces a violation of its own
  const run = loadRun(dir);
  const keys = new Set(r.results.checks.flatMap((c) => c.violations.flatMap((v) => v.ops.map((id) => String(run.ops[id]!.key)))));
  for (const k of keys) expect(['ctr-failover', 'cas-reset', 'q-failover', 'buf-0', 'reg-stale']).toContain(k);
});

test('a clean synthetic run is valid: no pattern where nothing went wrong', () => {
  const r = makeSyntheticRun({ dir: path.join(tmp, 'clean'), ops: 2000, plant: [], seed: 3 });
  expect(r.results.verdict).toBe('valid');
  expect(r.results.checks.every((c) => c.violations.length === 0)).toBe(true);
});

function ev(process: number, type: HistoryEvent['type'], f: HistoryEvent['f'], extra: Partial<HistoryEvent>): HistoryEvent {
  return { type, process, f, ...extra } as HistoryEvent;
}

test('a duplicate FADD with no re-post and no failover around it is only a possible match', () => {
  const events: HistoryEvent[] = [
    ev(0, 'invoke', 'fadd', { key: 'k', value: 1, time: 10 }),
    ev(0, 'ok', 'fadd', { key: 'k', value: 1, result: 0, time: 20 }),
    ev(1, 'invoke', 'read', { key: 'k', time: 30, final: true }),
    ev(1, 'ok', 'read', { key: 'k', result: 2, time: 40, final: true }),
  ];
  const h = pairEvents(events, { file: 't' });
  const v = { kind: 'duplicate' as const, message: 'FADD +1 executed 2 times', ops: [0] };
  expect(classifyViolation(v, h)).toMatchObject({ pattern: PATTERNS.duplicateFadd, confidence: 'possible' });
  const rec = checksToRecords([{ checker: 'at-most-once', verdict: 'invalid', ms: 1, summary: '', violations: [v] }], h, patterns);
  expect(rec[0]!.violations[0]!.pattern).toBeUndefined();

  // the same op inside a nic-failover window is a match
  const withFault: HistoryEvent[] = [
    { type: 'ok', process: 'nemesis', f: 'start', fault: { id: 'f1', kind: 'nic-failover', targets: ['n2'] }, time: 5 },
    ...events,
    { type: 'ok', process: 'nemesis', f: 'stop', fault: { id: 'f1', kind: 'nic-failover', targets: ['n2'] }, time: 50 },
  ];
  expect(classifyViolation(v, pairEvents(withFault, { file: 't' }))).toMatchObject({ pattern: PATTERNS.duplicateFadd, confidence: 'match' });
  expect(classifyViolation({ kind: 'lost', ops: [0] }, h)).toMatchObject({ confidence: 'none' });
});

// From a fresh-clone CI run of flag-replay-ackloss: node2's write was posted before the ACK
// blackout and landed, re-posted on rail 1, 11 s later; the violation's three ops are node3's
// (a read of that value, its own write, a later read of the value again), so the re-posted
// write is far outside their neighbourhood and must be found by the value the stale read saw.
test('a stale read of a long-running re-posted write is named stale-write-over-reused-buffer', () => {
  const t = (s: number): number => Math.round(s * 1e9);
  const ops = [
    { id: 0, process: 2000000, f: 'write', key: 'reg@0', node: 'node2', value: 4294967309, status: 'ok', call: 0, ret: 7, callTime: t(4567.35), retTime: t(4578.55), rdma: { rail: 1, qpn: 23, epoch: 1, repost: true } },
    { id: 1, process: 3000000, f: 'read', key: 'reg@0', node: 'node3', result: 4294967309, status: 'ok', call: 1, ret: 2, callTime: t(4569.43), retTime: t(4569.98), rdma: { rail: 0, qpn: 19, epoch: 0 } },
    { id: 2, process: 3000000, f: 'write', key: 'reg@0', node: 'node3', value: 8589934604, status: 'ok', call: 3, ret: 4, callTime: t(4569.44), retTime: t(4569.99), rdma: { rail: 0, qpn: 19, epoch: 0 } },
    { id: 3, process: 3000001, f: 'read', key: 'reg@0', node: 'node3', result: 4294967309, status: 'ok', call: 5, ret: 6, callTime: t(4575.98), retTime: t(4576.54), rdma: { rail: 0, qpn: 19, epoch: 0 } },
  ] as unknown as PatternContext['ops'];
  const faults = [
    { id: 'f1-ack-loss', kind: 'ack-loss', targets: ['node2'], start: t(4568.99), stop: t(4577.47) },
    { id: 'f2-nic-failover', kind: 'nic-failover', targets: ['node2'], start: t(4573.12), stop: t(4579.49) },
  ] as unknown as PatternContext['faults'];
  const v: ViolationShape = { kind: 'nonlinearizable', ops: [1, 2, 3], explanation: { model: 'register' } };
  const c = classifyViolation(v, { ops, faults });
  expect(c).toMatchObject({ pattern: PATTERNS.staleWrite, confidence: 'match' });
  // the same three ops with node2's write never re-posted: a stale read, not this pattern's match
  const plain = ops.map((o) => (o.id === 0 ? { ...o, rdma: { rail: 0, qpn: 25, epoch: 0 } } : o));
  expect(classifyViolation(v, { ops: plain, faults: [] })?.confidence).not.toBe('match');
});

// From a shrink candidate's run of cas-replay-noisy: node2's CAS(0 -> X) swapped, its ACK was lost
// to the cable pull, and replay re-posted it on rail 1 before node3's reset: it found X, its own
// first effect, and reported failure; node3 then reset X. A lost success (at-most-once: phantom),
// which the model cannot linearize, but no CAS swapped twice.
test('a re-posted CAS that found its own value is a lost success, not a CAS double success', () => {
  const t = (s: number): number => Math.round(s * 1e9);
  const X = 4294967384;
  const ops = [
    { id: 0, process: 2000000, f: 'cas', key: 'cas@0', node: 'node2', value: [0, X], result: X, status: 'ok', call: 0, ret: 3, callTime: t(7.36), retTime: t(15.75), rdma: { rail: 1, qpn: 55, epoch: 1, repost: true } },
    { id: 1, process: 3000000, f: 'cas', key: 'cas@0', node: 'node3', value: [X, 0], result: X, status: 'ok', call: 1, ret: 2, callTime: t(9.1), retTime: t(9.2), rdma: { rail: 0, qpn: 57, epoch: 0 } },
  ] as unknown as PatternContext['ops'];
  const faults = [{ id: 'pull', kind: 'nic-failover', targets: ['node2'], start: t(7.4), stop: t(15.0) }] as unknown as PatternContext['faults'];
  const v: ViolationShape = { kind: 'nonlinearizable', ops: [1, 0], explanation: { model: 'cas-register' } };
  expect(classifyViolation(v, { ops, faults })?.pattern).toBeUndefined();
  // the same ops where the re-post found 0 (after the reset) and swapped again: that is the pattern
  const twice = ops.map((o) => (o.id === 0 ? { ...o, result: 0 } : o));
  expect(classifyViolation(v, { ops: twice, faults })).toMatchObject({ pattern: PATTERNS.casDoubleSuccess, confidence: 'match' });
});
