// The synthetic run generator the report tests and benches stand on: seeded (same seed, same
// bytes), in the run store layout, with a history loadOps reads on its fast path and a
// results.json that validates against the store schema.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadOps } from '../../../harness/core';
import { RUN_FILES, RunResults } from '../../../harness/core';
import { makeSyntheticRun } from '.';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-synth-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('same seed, same run; another seed, another history', () => {
  const a = makeSyntheticRun({ dir: path.join(tmp, 'a'), ops: 700, seed: 42, plant: ['queueSliding'] });
  const b = makeSyntheticRun({ dir: path.join(tmp, 'b'), ops: 700, seed: 42, plant: ['queueSliding'] });
  const c = makeSyntheticRun({ dir: path.join(tmp, 'c'), ops: 700, seed: 43, plant: ['queueSliding'] });
  const read = (d: string, f: string): string => fs.readFileSync(path.join(d, f), 'utf8');
  for (const f of [RUN_FILES.history, RUN_FILES.counters, RUN_FILES.campaign]) expect(read(a.dir, f)).toBe(read(b.dir, f));
  expect(read(a.dir, RUN_FILES.history)).not.toBe(read(c.dir, RUN_FILES.history));
  const strip = (r: RunResults): unknown => ({ ...r, checks: r.checks.map((k) => ({ ...k, ms: 0 })) });
  expect(strip(a.results)).toEqual(strip(b.results));
});

test('the run directory has the store layout and its files are what the schema says', () => {
  const r = makeSyntheticRun({ dir: path.join(tmp, 'layout'), ops: 900, unclean: true, kernelOops: true, expected: { verdict: 'invalid', patterns: ['duplicate FADD after failover'] } });
  // a fresh run holds every file plain; the .gz names are retention's, later
  for (const f of Object.values(RUN_FILES)) expect(fs.existsSync(path.join(r.dir, f))).toBe(!f.endsWith('.gz'));
  const results = RunResults.parse(JSON.parse(fs.readFileSync(path.join(r.dir, RUN_FILES.results), 'utf8')));
  expect(results.clean).toBe(false);
  expect(results.faults.map((f) => f.phase)).toEqual(['NotInjected', 'NotInjected', 'Injected']);
  expect(results.expected).toMatchObject({ matched: true });
  expect(results.findings[0]).toMatchObject({ kind: 'kernel-oops', node: 'node2', activeFaults: ['ack-loss-1', 'nic-failover-2'] });
  expect(results.counters.map((c) => c.window)).toEqual(expect.arrayContaining(['baseline', 'ack-loss-1', 'nic-failover-2', 'packet-loss-3', 'run']));
  const dup = results.counters.find((c) => c.window === 'ack-loss-1' && c.node === 'node2' && c.device === 'rxe0')!;
  expect(dup.deltas.duplicate_request).toBeGreaterThan(0);
  const h = loadOps(path.join(r.dir, RUN_FILES.history));
  expect(h.ops.length).toBe(r.ops);
  expect(h.faults.map((f) => Number.isFinite(f.stop))).toEqual([true, true, false]);
  expect(results.stats.reduce((n, s) => n + s.ops, 0)).toBe(h.ops.filter((op) => !op.final).length);
});
