// A gzipped history reads as its plain file does, by its bytes and not its name: the same ops,
// faults, line numbers and torn-line warning, streamed; a cut-short or corrupt gzip is bad
// input naming the file, exit 254.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { readCounterSamples } from '../store';
import { readBytes } from './gzip';
import { loadHistory, loadOps } from './importers';
import { forEachJsonlEventInFile } from './jsonl';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-gzip-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, data: string | Buffer): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, data);
  return f;
};
const ev = (o: object): string => JSON.stringify(o) + '\n';

// enough events that the inflated text spans many read chunks
let text = ev({ type: 'invoke', process: 'nemesis', f: 'start', fault: { id: 'f1', kind: 'partition', targets: ['node2'] }, time: 1 });
text += ev({ type: 'ok', process: 'nemesis', f: 'start', fault: { id: 'f1', kind: 'partition', targets: ['node2'] }, time: 2 });
for (let i = 0; i < 3000; i++) {
  text += ev({ type: 'invoke', process: i % 7, f: 'fadd', node: 'node1', key: `c${i % 5}`, value: 1, time: 10 + 4 * i });
  text += ev({ type: i % 11 ? 'ok' : 'info', process: i % 7, f: 'fadd', node: 'node1', key: `c${i % 5}`, value: 1, time: 12 + 4 * i });
}
const torn = text + '{"type":"ok","process":1,"f":"fad';

const refused = (code: string, message: string | RegExp) =>
  expect.objectContaining({ code, exitCode: 254, message: typeof message === 'string' ? message : expect.stringMatching(message) });

test('loadOps of a gzip gives what the plain file gives, torn last line and all', () => {
  for (const [name, data] of [['whole', text], ['torn', torn]] as const) {
    const plain = write(`${name}.jsonl`, data);
    // named like a plain file on purpose: gzip is told by its magic bytes
    const gz = write(`${name}-gz.jsonl`, zlib.gzipSync(data));
    const a = loadOps(plain);
    const b = loadOps(gz);
    expect(b.format).toBe('native');
    expect(b.ops).toEqual(a.ops);
    expect(b.faults).toEqual(a.faults);
    expect(b.warnings).toEqual(a.warnings.map((w) => w.replace(plain, gz)));
    expect(a.ops.length).toBe(3000);
  }
});

test('streamed in chunks: small read chunks and progress in compressed bytes up to the file size', () => {
  const gz = write('chunks.jsonl.gz', zlib.gzipSync(text));
  const lines: number[] = [];
  const seen: [number, number][] = [];
  forEachJsonlEventInFile(gz, (_e, line) => lines.push(line), { chunkBytes: 64, onChunk: (read, total) => void seen.push([read, total]) });
  expect(lines).toEqual(Array.from({ length: 6002 }, (_, i) => i + 1));
  const size = fs.statSync(gz).size;
  expect(seen.every(([, total]) => total === size)).toBe(true);
  expect(seen[seen.length - 1]![0]).toBe(size);
});

test('a deadline stops a gzip as it stops a plain file', () => {
  const gz = write('deadline.jsonl.gz', zlib.gzipSync(text));
  expect(loadOps(gz, 'native', { deadline: 0 })).toMatchObject({ truncated: true, ops: [] });
});

test('a cut-short or corrupt gzip is bad input naming the file, never a partial history', () => {
  const whole = zlib.gzipSync(text);
  const cut = write('cut.jsonl.gz', whole.subarray(0, whole.length - 200));
  expect(() => loadOps(cut)).toThrow(refused('history.badGzip', `${cut}: not readable gzip data (unexpected end of file)`));
  const bad = Buffer.from(whole);
  bad.fill(0x55, 20, 200);
  const corrupt = write('corrupt.jsonl.gz', bad);
  expect(() => loadOps(corrupt)).toThrow(refused('history.badGzip', new RegExp(`^${corrupt}: not readable gzip data \\(`)));
});

test('other formats and counter samples read through gzip too', () => {
  const etcd = 'INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:read\t3\n';
  const plain = loadHistory(write('etcd.log', etcd));
  const gz = loadHistory(write('etcd.log.gz', zlib.gzipSync(etcd)));
  expect(gz.format).toBe('jepsen-etcd');
  expect(gz.events).toEqual(plain.events);
  expect(loadHistory(write('empty.log.gz', zlib.gzipSync(''))).format).toBe('jepsen-etcd');
  const sample = ev({ time: 5, node: 'node1', device: 'rxe0', counters: { retry: 1 } });
  expect(readCounterSamples(write('counters.jsonl.gz', zlib.gzipSync(sample)))).toEqual([JSON.parse(sample)]);
  expect(readBytes(write('plain.txt', 'abc')).toString()).toBe('abc');
});
