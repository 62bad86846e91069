// results.json is written whole or not at all (write-file-atomic: a unique temp name, fsync,
// rename), and a failed write leaves no temp file beside it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCounterSamples, readResults, writeResults } from './files';
import type { RunResults } from './results';

const results = (verdict: RunResults['verdict']): RunResults => ({
  schema: 1, campaign: 'c', seed: 7, startedAt: '2026-12-03T00:00:00Z', endedAt: '2026-12-03T00:01:00Z', durationMs: 60_000,
  cluster: { driver: 'local', nodes: ['node1'], rails: 1 }, verdict, checks: [], findings: [], faults: [], counters: [], stats: [], clean: true,
});

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-store-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a rewrite replaces the file whole and leaves nothing else in the run directory', () => {
  writeResults(dir, results('valid'));
  writeResults(dir, results('invalid'));
  expect(readResults(path.join(dir, 'results.json')).verdict).toBe('invalid');
  expect(fs.readdirSync(dir)).toEqual(['results.json']);
});

test('a write that cannot land throws and leaves no temp file', () => {
  fs.mkdirSync(path.join(dir, 'results.json')); // rename onto a directory fails
  expect(() => writeResults(dir, results('valid'))).toThrow();
  expect(fs.readdirSync(dir)).toEqual(['results.json']);
});

test('an invalid results object is refused before anything is written', () => {
  expect(() => writeResults(dir, { ...results('valid'), seed: 1.5 })).toThrow();
  expect(fs.readdirSync(dir)).toEqual([]);
});

test('counters.jsonl: a torn last line (no newline) is a lost sample; the same line with its newline is refused', () => {
  const sample = JSON.stringify({ time: 1, node: 'node1', device: 'rxe0', counters: { sent_pkts: 3 } });
  const f = path.join(dir, 'counters.jsonl');
  fs.writeFileSync(f, `${sample}\n{"time":2,"node":"no`);
  expect(readCounterSamples(f)).toHaveLength(1);
  fs.writeFileSync(f, `${sample}\n{"time":2,"node":"no\n`);
  expect(() => readCounterSamples(f)).toThrow(/counters\.jsonl:2: not valid JSON/);
});

test('results.json from before `incomplete` existed still parses; an incomplete one keeps its reason', () => {
  writeResults(dir, results('valid'));
  expect(readResults(path.join(dir, 'results.json')).incomplete).toBeUndefined();
  writeResults(dir, { ...results('unknown'), incomplete: true, incompleteReason: 'killed' });
  expect(readResults(path.join(dir, 'results.json'))).toMatchObject({ incomplete: true, incompleteReason: 'killed' });
});
