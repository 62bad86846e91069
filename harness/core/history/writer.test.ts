// The history writer on a full disk (a tmpfs of 64 KiB made for the test): the failure is said
// once, later events are counted as dropped, and the file ends at a whole line, every line of
// it a valid event (no torn line from a short write).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HistoryWriter, loadOps } from '.';

let mnt: string;

beforeAll(() => {
  mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
});

afterAll(() => {
  if (!mnt) return;
  execFileSync('umount', [mnt]);
  fs.rmdirSync(mnt);
});

test('ENOSPC: one failure report, the rest dropped and counted, the file whole and readable', () => {
  const file = path.join(mnt, 'history.jsonl');
  const failures: Error[] = [];
  const w = new HistoryWriter(file, (e) => failures.push(e));
  let sent = 0;
  for (let i = 0; i < 2000; i++) {
    // batches of odd sizes, as agents send them, so one straddles the end of the space
    const batch = Array.from({ length: 1 + (i % 7) }, (_, k) => ({ type: 'invoke' as const, process: i * 7 + k, f: 'fadd' as const, key: `counter@${i}`, value: i * 7 + k, time: i * 1000 + k }));
    w.append(batch);
    sent += batch.length;
  }
  w.close();
  expect(failures.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ENOSPC']);
  const text = fs.readFileSync(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.split('\n').filter(Boolean).length;
  expect(lines + w.dropped).toBe(sent);
  expect(w.dropped).toBeGreaterThan(0);
  // every line is a valid event
  expect(loadOps(file, 'native').ops.length).toBe(lines);
});

test('without a failure callback the error is thrown, as before', () => {
  const file = path.join(mnt, 'other.jsonl');
  fs.rmSync(path.join(mnt, 'history.jsonl'), { force: true });
  fs.writeFileSync(path.join(mnt, 'fill'), Buffer.alloc(60 * 1024));
  const w = new HistoryWriter(file);
  const big = Array.from({ length: 200 }, (_, k) => ({ type: 'invoke' as const, process: k, f: 'fadd' as const, key: 'k', value: k, time: k }));
  expect(() => w.append(big)).toThrow(/ENOSPC/);
  w.close();
  expect(fs.readFileSync(file, 'utf8')).toBe('');
});
