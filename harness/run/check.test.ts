// How a run's verdict takes the testbed into account: an infrastructure fault makes it unknown;
// a kernel panic/oops/BUG/lockup/stall/hung task on a node makes a valid verdict unknown (with a
// note, once); a WARNING or an rxe message leaves it alone; a violation stays invalid.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Campaign } from '../campaign';
import { checkProgress, checkRunDir, type CheckProgress, type RunMeta } from './check';
import { RUN_FILES, type Finding } from '../core';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-check-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** FADDs of 1 and 4 on counter@0 (powers of 4: the at-most-once checker decodes them) and a final read of `final` */
function runDir(name: string, final: number): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const ev = [
    { type: 'invoke', process: 1, f: 'fadd', node: 'node2', key: 'counter@0', value: 1, time: 1000 },
    { type: 'ok', process: 1, f: 'fadd', node: 'node2', key: 'counter@0', value: 1, result: 0, time: 2000 },
    { type: 'invoke', process: 2, f: 'fadd', node: 'node3', key: 'counter@0', value: 4, time: 3000 },
    { type: 'ok', process: 2, f: 'fadd', node: 'node3', key: 'counter@0', value: 4, result: 1, time: 4000 },
    { type: 'invoke', process: 900000000, f: 'read', node: 'node1', key: 'counter@0', time: 5000, final: true },
    { type: 'ok', process: 900000000, f: 'read', node: 'node1', key: 'counter@0', result: final, time: 5001, final: true },
  ];
  fs.writeFileSync(path.join(dir, RUN_FILES.history), ev.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return dir;
}

const finding = (kind: Finding['kind'], node = 'node3'): Finding => ({ kind, node, message: kind, excerpt: '', activeFaults: [] });

function meta(o: Partial<RunMeta> = {}): RunMeta {
  return {
    campaign: Campaign.parse({ name: 'check-test', duration: '1s', workloads: [{ workload: 'counter', target: 'node1' }] }),
    seed: 1,
    startedAt: new Date(0).toISOString(),
    endedAt: new Date(1000).toISOString(),
    durationMs: 1000,
    cluster: { driver: 'local', nodes: ['node1', 'node2', 'node3'], rails: 2 },
    faults: [],
    findings: [],
    clean: true,
    notes: [],
    ...o,
  };
}

test('a clean history with no findings is valid', () => {
  expect(checkRunDir(runDir('clean', 5), meta(), 10_000).verdict).toBe('valid');
});

test('a serious kernel finding turns valid into unknown, with one note even on a recheck', () => {
  for (const kind of ['kernel-panic', 'kernel-oops', 'kernel-bug', 'soft-lockup', 'rcu-stall', 'hung-task'] as const) {
    const r = checkRunDir(runDir(kind, 5), meta({ findings: [finding(kind)] }), 10_000);
    expect(r.verdict).toBe('unknown');
    expect(r.notes).toEqual([`verdict unknown, not valid: ${kind} on node3 (see findings)`]);
    // a recheck carries the first check's notes
    expect(checkRunDir(runDir(kind, 5), meta({ findings: [finding(kind)], notes: r.notes! }), 10_000).notes).toEqual(r.notes);
  }
});

test('a WARNING or an rxe message is a finding, not a reason to doubt the verdict', () => {
  const r = checkRunDir(runDir('warn', 5), meta({ findings: [finding('kernel-warning'), finding('rxe')] }), 10_000);
  expect(r.verdict).toBe('valid');
  expect(r.findings).toHaveLength(2);
});

test('a violation stays invalid with a kernel finding; an infrastructure fault makes anything unknown', () => {
  // the FADD of 4 applied twice: a duplicate
  expect(checkRunDir(runDir('dup', 9), meta({ findings: [finding('kernel-panic')] }), 10_000).verdict).toBe('invalid');
  const infra = { reason: 'data rail 0 froze', repaired: true };
  const r = checkRunDir(runDir('infra', 9), meta({ infrastructureFault: infra }), 10_000);
  expect(r.verdict).toBe('unknown');
  expect(r.infrastructureFault).toEqual(infra);
  expect(JSON.parse(fs.readFileSync(path.join(tmp, 'infra', RUN_FILES.results), 'utf8')).verdict).toBe('unknown');
});

test('the check stage reports its progress: the history read, then the search', () => {
  const seen: Parameters<CheckProgress>[0][] = [];
  const r = checkRunDir(runDir('progress', 5), meta(), 10_000, undefined, (p) => seen.push(p));
  expect(r.verdict).toBe('valid');
  // a small history is searched in well under the reporting interval: reading is all it reports
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.every((p) => p.phase === 'read')).toBe(true);
  const last = seen[seen.length - 1]!;
  expect(last.phase === 'read' && last.bytes === last.total && last.total > 0).toBe(true);
});

test('checkProgress prints one line per report interval, rewritten in place on a terminal', () => {
  const plain: string[] = [];
  const p = checkProgress({ write: (s) => plain.push(s) });
  p({ phase: 'read', bytes: 5e6, total: 10e6 });
  p({ phase: 'search', model: 'counter', placed: 1, total: 2, steps: 3, partitionsLeft: 1, partitions: 1 });
  p.done();
  // the second report came within the interval: only the first is printed
  expect(plain).toEqual(['check: read 5 of 10 MB of the history\n']);
  const tty: string[] = [];
  const q = checkProgress({ write: (s) => tty.push(s), isTTY: true, columns: 80 });
  q({ phase: 'search', model: 'counter', placed: 1, total: 2, steps: 3, partitionsLeft: 1, partitions: 1 });
  q.done();
  expect(tty).toEqual(['\r\x1b[2Kcheck: counter: 1 of 2 ok ops placed (50%), 0 of 1 partitions decided', '\n']);
});

test('a node lost during the run (ssh driver) turns valid into unknown and is carried into results.json; a violation stays invalid', () => {
  const r = checkRunDir(runDir('lost', 5), meta({ nodesLost: ['node3'] }), 10_000);
  expect({ verdict: r.verdict, lost: r.nodesLost, notes: r.notes }).toEqual({ verdict: 'unknown', lost: ['node3'], notes: ['verdict unknown, not valid: node-lost (node3)'] });
  expect(JSON.parse(fs.readFileSync(path.join(tmp, 'lost', RUN_FILES.results), 'utf8')).nodesLost).toEqual(['node3']);
  expect(checkRunDir(runDir('lost-dup', 9), meta({ nodesLost: ['node3'] }), 10_000).verdict).toBe('invalid');
});
