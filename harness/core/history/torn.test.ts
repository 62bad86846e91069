// A controller killed mid-write leaves its history's last line cut short, with no newline. That
// one line is dropped with a warning naming the file and the line; the same bytes anywhere
// else, or with their newline, are still refused as history.badJson.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChaosError } from '../errors';
import { loadHistory, loadOps } from './importers';
import { forEachJsonlEvent, forEachJsonlEventInFile } from './jsonl';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-torn-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const write = (data: string | Buffer): string => {
  const f = path.join(dir, `h${n++}.jsonl`);
  fs.writeFileSync(f, data);
  return f;
};
const ev = (o: object): string => JSON.stringify(o) + '\n';
const events =
  ev({ type: 'invoke', process: 0, f: 'fadd', key: 'c', value: 1, time: 1 }) +
  ev({ type: 'ok', process: 0, f: 'fadd', key: 'c', value: 1, result: 0, time: 2 }) +
  ev({ type: 'invoke', process: 1, f: 'fadd', key: 'c', value: 1, time: 3 });
const torn = '{"type":"ok","process":1,"f":"fad';
const warning = (f: string, line: number): string => `${f}:${line}: torn last line (no newline, not valid JSON) dropped: the writer was interrupted`;

function refusal(f: () => unknown): ChaosError {
  try {
    f();
  } catch (e: unknown) {
    if (e instanceof ChaosError) return e;
    throw e;
  }
  throw new Error('expected the history to be refused');
}

test('a torn last line is dropped with a warning; the rest is read, its open op indeterminate', () => {
  const f = write(events + torn);
  const h = loadOps(f, 'native');
  expect(h.warnings).toEqual([warning(f, 4)]);
  expect(h.ops.map((o) => o.status)).toEqual(['ok', 'info']);
  // format detection and the whole-history loader take the same way
  expect(loadOps(f).warnings).toEqual([warning(f, 4)]);
  expect(loadHistory(f).events).toHaveLength(3);
  // every chunk size, and the in-memory reader, agree
  for (const chunkBytes of [16, 50, 4096]) {
    const seen: number[] = [];
    expect(forEachJsonlEventInFile(f, (_e, l) => seen.push(l), { chunkBytes }).warnings).toEqual([warning(f, 4)]);
    expect(seen).toEqual([1, 2, 3]);
  }
  expect(forEachJsonlEvent(f, fs.readFileSync(f), () => undefined, { slowOnly: true }).warnings).toEqual([warning(f, 4)]);
});

test('a line torn inside a UTF-8 sequence, or ending in zeros after a reboot, is torn too', () => {
  const cutUtf8 = Buffer.concat([Buffer.from(events), Buffer.from('{"type":"ok","process":1,"f":"fadd","error":"'), Buffer.from('é').subarray(0, 1)]);
  const f1 = write(cutUtf8);
  expect(loadOps(f1, 'native').warnings).toEqual([warning(f1, 4)]);
  const f2 = write(Buffer.concat([Buffer.from(events), Buffer.alloc(64)]));
  expect(loadOps(f2, 'native').warnings).toEqual([warning(f2, 4)]);
});

test('the same torn bytes anywhere but last are refused: history.badJson at their line', () => {
  const f = write(ev({ type: 'invoke', process: 0, f: 'fadd', key: 'c', value: 1 }) + torn + '\n' + ev({ type: 'invoke', process: 1, f: 'fadd', key: 'c', value: 1 }));
  const e = refusal(() => loadOps(f, 'native'));
  expect(e).toMatchObject({ code: 'history.badJson', exitCode: 254 });
  expect(e.message).toMatch(new RegExp(`^${f}:2: not valid JSON`));
});

test('a bad last line that has its newline was written whole: refused', () => {
  const f = write(events + torn + '\n');
  const e = refusal(() => loadOps(f, 'native'));
  expect(e).toMatchObject({ code: 'history.badJson' });
  expect(e.message).toMatch(new RegExp(`^${f}:4: not valid JSON`));
  // and so is a last line that is JSON but not an event, with or without its newline
  expect(refusal(() => loadOps(write(events + '{"type":"ok"}'), 'native'))).toMatchObject({ code: 'history.badEvent' });
});

test('an empty file has no ops and no warning; a file that is only a torn line has no ops and one', () => {
  const empty = loadOps(write(''), 'native');
  expect(empty).toMatchObject({ ops: [], faults: [], warnings: [] });
  const f = write(torn);
  expect(loadOps(f, 'native')).toMatchObject({ ops: [], warnings: [warning(f, 1)] });
  expect(loadOps(f)).toMatchObject({ ops: [], warnings: [warning(f, 1)] });
  // a complete last event without its newline is kept
  const whole = loadOps(write(events.slice(0, -1)), 'native');
  expect(whole.warnings).toEqual([]);
  expect(whole.ops).toHaveLength(2);
});
