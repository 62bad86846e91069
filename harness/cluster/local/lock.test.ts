// The one lock scheme: a live holder is waited for, a dead one (or a recycled PID) taken over,
// and a lock file caught between its creation and its write is left alone, not deleted (the
// docker rootfs lock used to read it as a dead owner and start a second debootstrap).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lockFile, type LockOptions } from './lock';
import { identify } from './procs';

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-lock-'));
  file = path.join(dir, 'x.lock');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const opts = (waitMs: number): LockOptions => ({
  waitMs,
  busy: (h) => new Error(`busy: ${h ? h.pid : 'unknown'}`),
  cannot: (code) => new Error(`cannot: ${code}`),
});

test('taken and released; a second taker waits and gets it after the release', async () => {
  const release = await lockFile(file, 'first', opts(1000));
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, role: 'first' });
  const second = lockFile(file, 'second', opts(5000));
  setTimeout(release, 300);
  const release2 = await second;
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ role: 'second' });
  release2();
  expect(fs.existsSync(file)).toBe(false);
});

test('a live holder is waited for, then named', async () => {
  const child = spawn('sleep', ['30']);
  try {
    await new Promise((r) => setTimeout(r, 100));
    fs.writeFileSync(file, JSON.stringify(identify(child.pid!, 'sleep', '')));
    await expect(lockFile(file, 'me', opts(400))).rejects.toThrow(`busy: ${child.pid}`);
  } finally {
    child.kill('SIGKILL');
  }
});

test('a dead holder and a recycled PID are taken over', async () => {
  const child = spawn('true');
  const dead = identify(child.pid!, 'true', '') ?? { pid: child.pid!, starttime: 1, role: 'true', marker: '' };
  await new Promise((r) => child.on('exit', r));
  fs.writeFileSync(file, JSON.stringify(dead));
  (await lockFile(file, 'me', opts(1000)))();
  // this very PID, but another start time: not the process that took the lock
  fs.writeFileSync(file, JSON.stringify({ ...identify(process.pid, 'old', ''), starttime: 12345 }));
  (await lockFile(file, 'me', opts(1000)))();
});

test('an empty lock still being written is not deleted; one left empty by a crash is taken over', async () => {
  fs.writeFileSync(file, '');
  await expect(lockFile(file, 'me', opts(500))).rejects.toThrow('busy: unknown');
  expect(fs.readFileSync(file, 'utf8')).toBe('');
  const old = new Date(Date.now() - 10_000);
  fs.utimesSync(file, old, old);
  const release = await lockFile(file, 'me', opts(1000));
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ role: 'me' });
  release();
});

test('a lock that cannot be created is its own error', async () => {
  await expect(lockFile(path.join(dir, 'no', 'such', 'dir.lock'), 'me', opts(100))).rejects.toThrow('cannot: ENOENT');
});
