// npm run bench:checker — checks the shared corpus and prints, per group, the sum of per-file
// median checking times next to Porcupine's figures (PORCUPINE_TIMES.tsv, same machine kind,
// GOMAXPROCS=1, parsing excluded), then the two c50 histories unpartitioned.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkHistory } from '..';
import { loadHistory } from '../../core';
import { pairEvents, type Operation } from '../../core';
import { sharedDir } from '../../core';

const CORPUS = process.env.RDMA_CHAOS_CORPUS ?? path.join(sharedDir(), 'corpus');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

interface Row { kind: string; file: string; p1: number; p2: number }
const porcupine: Row[] = fs
  .readFileSync(path.join(CORPUS, 'PORCUPINE_TIMES.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'))
  .map((c) => ({ kind: c[0]!, file: c[1]!, p1: Number(c[9]), p2: Number(c[13]) }));

const loaded = new Map<string, { ops: Operation[]; format: ReturnType<typeof loadHistory>['format'] }>();
function load(file: string): { ops: Operation[]; format: ReturnType<typeof loadHistory>['format'] } {
  let l = loaded.get(file);
  if (!l) {
    const h = loadHistory(path.join(CORPUS, file));
    l = { ops: pairEvents(h.events, { file, lines: h.lines }).ops, format: h.format };
    loaded.set(file, l);
  }
  return l;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeFile(file: string, partition: boolean, timeoutMs: number): { ms: number; verdict: string } {
  const { ops, format } = load(file);
  const times: number[] = [];
  let verdict = '';
  for (let r = 0; r < RUNS; r++) {
    const c = checkHistory(ops, { format, partition, explain: false, timeoutMs });
    times.push(c.ms);
    verdict = c.verdict;
  }
  return { ms: median(times), verdict };
}

function group(label: string, rows: Row[], partition: boolean): void {
  let ours = 0;
  let p1 = 0;
  let p2 = 0;
  let wrong = 0;
  for (const r of rows) {
    const t = timeFile(r.file, partition, 120_000);
    ours += t.ms;
    p1 += r.p1;
    p2 += r.p2;
    const manifest = porcupine.find((x) => x.file === r.file && x.kind === r.kind);
    void manifest;
    if (!verdictMatches(r.file, t.verdict)) wrong++;
  }
  const ratio = p1 / ours;
  console.log(`${label.padEnd(34)} ${fmt(ours).padStart(10)} ${fmt(p1).padStart(12)} ${fmt(p2).padStart(12)}   ${ratio >= 1 ? `${ratio.toFixed(2)}x faster` : `${(1 / ratio).toFixed(2)}x slower`}${wrong ? `  (${wrong} WRONG VERDICTS)` : ''}`);
}

const expected = new Map(
  fs
    .readFileSync(path.join(CORPUS, 'MANIFEST.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'))
    .map((c) => [c[0]!, c[11] === 'true' ? 'valid' : c[11] === 'false' ? 'invalid' : 'unknown'] as const),
);
function verdictMatches(file: string, v: string): boolean {
  return expected.get(file) === v;
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

function main(): void {
  console.log(`rdma-chaos checker vs Porcupine (${RUNS} runs per file, median; parsing excluded)`);
  console.log(`node ${process.version}, ${os.cpus().length} cpus, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`${'group'.padEnd(34)} ${'rdma-chaos'.padStart(10)} ${'porcupine p1'.padStart(12)} ${'porcupine p2'.padStart(12)}`);
  // warm the JIT the way Porcupine's medians are warm (3 runs each)
  for (const r of porcupine.filter((x) => x.kind === 'kv').slice(0, 4)) timeFile(r.file, true, 10_000);
  group('etcd (103 files)', porcupine.filter((r) => r.kind === 'etcd'), true);
  group('kv partitioned (6 files)', porcupine.filter((r) => r.kind === 'kv'), true);
  group('kv unpartitioned c01+c10', porcupine.filter((r) => r.kind === 'kv-nopart'), false);
  const budget = Number(process.env.BENCH_NOPART_TIMEOUT ?? 60) * 1000;
  for (const f of ['porcupine/kv/c50-ok.txt', 'porcupine/kv/c50-bad.txt']) {
    const { ops, format } = load(f);
    const c = checkHistory(ops, { format, partition: false, explain: false, timeoutMs: budget });
    const ok = verdictMatches(f, c.verdict);
    // how it was decided: per-key searches certified on the whole map, or the whole-map search
    const how = /searched per key/.test(c.results[0]?.summary ?? '') ? 'per-key searches, merged order replayed through the whole map' : c.verdict === 'invalid' ? 'a key with no linearization' : 'whole-map search';
    console.log(`${`${f.replace('porcupine/kv/', '')} unpartitioned`.padEnd(34)} ${fmt(c.ms).padStart(10)} ${'gave up'.padStart(12)} ${'(120 s)'.padStart(12)}   verdict ${c.verdict}${ok ? '' : ` (expected ${expected.get(f)})`} (${how}); target < 60 s`);
  }
}

main();
