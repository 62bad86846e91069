// Every history of the shared corpus gets its known verdict from `rdma-chaos check`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadHistory } from '../core';
import { pairEvents } from '../core';
import { runCli } from '../main';
import { checkHistory } from '.';

const CORPUS = path.resolve(__dirname, '../../../shared/corpus');
const rows = fs
  .readFileSync(path.join(CORPUS, 'MANIFEST.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'))
  .map((c) => ({ file: c[0]!, expected: c[11]! }));

const want = (e: string): string => (e === 'true' ? 'valid' : e === 'false' ? 'invalid' : 'unknown');

describe('the shared corpus', () => {
  it('has 109 histories', () => expect(rows).toHaveLength(109));

  it('gets every expected verdict through `rdma-chaos check --json`', async () => {
    let out = '';
    const code = await runCli(['check', '--json', '--timeout', '120', ...rows.map((r) => path.join(CORPUS, r.file))], {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: () => true },
    });
    const got = out.trim().split('\n').map((l) => JSON.parse(l) as { file: string; verdict: string; ms: number; ops: number });
    expect(got).toHaveLength(rows.length);
    const wrong = rows.filter((r, i) => got[i]!.verdict !== want(r.expected)).map((r, i) => `${r.file}: ${got[i]!.verdict}`);
    expect(wrong).toEqual([]);
    // the worst verdict decides the exit code: there are invalid files, so 1
    expect(code).toBe(1);
    for (const g of got) {
      expect(typeof g.ms).toBe('number');
      expect(Number.isInteger(g.ops)).toBe(true);
    }
  }, 300_000);

  it('decides c50-bad unpartitioned (the whole map as one state, no split by key): invalid', () => {
    const file = path.join(CORPUS, 'porcupine/kv/c50-bad.txt');
    const h = loadHistory(file);
    const c = checkHistory(pairEvents(h.events, { file, lines: h.lines }).ops, { format: h.format, partition: false, explain: false, timeoutMs: 60_000 });
    expect(c.results.map((r) => r.checker)).toEqual(['linearizable (kv-nopart)']);
    expect(c.verdict).toBe('invalid');
  }, 120_000);

  it('decides c50-ok unpartitioned: valid, searched per key and certified on the whole map', () => {
    const file = path.join(CORPUS, 'porcupine/kv/c50-ok.txt');
    const h = loadHistory(file);
    const c = checkHistory(pairEvents(h.events, { file, lines: h.lines }).ops, { format: h.format, partition: false, explain: false, timeoutMs: 60_000 });
    expect(c.results.map((r) => [r.checker, r.verdict])).toEqual([['linearizable (kv-nopart)', 'valid']]);
    expect(c.results[0]!.summary).toMatch(/searched per key: 10 keys; per-key orders merged into one order of the whole state and replayed through it/);
  }, 120_000);
});
