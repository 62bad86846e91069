// The tar stream putArchive receives must be one that GNU tar reads back bit for bit.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { singleFileTar, tarHeader } from './tar';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-tar-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test.each([0, 1, 511, 512, 513, 300_000])('a %i-byte file round-trips through tar with its mode', async (size) => {
  const data = randomBytes(size);
  const src = path.join(dir, 'src');
  fs.writeFileSync(src, data);
  const archive = path.join(dir, 'a.tar');
  await pipeline(singleFileTar(src, 'tool.bin', 0o751), fs.createWriteStream(archive));
  expect(fs.statSync(archive).size % 512).toBe(0);
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  execFileSync('tar', ['-xpf', archive, '-C', out]);
  expect(fs.readdirSync(out)).toEqual(['tool.bin']);
  expect(fs.readFileSync(path.join(out, 'tool.bin')).equals(data)).toBe(true);
  expect(fs.statSync(path.join(out, 'tool.bin')).mode & 0o7777).toBe(0o751);
  expect(execFileSync('tar', ['-tvf', archive]).toString()).toMatch(/^-rwxr-x--x root\/root/);
});

test('names must be one path component of at most 100 bytes', () => {
  expect(() => tarHeader('a/b', 1, 0o644, 0)).toThrow(expect.objectContaining({ code: 'cluster.uploadFailed' }));
  expect(() => tarHeader('x'.repeat(101), 1, 0o644, 0)).toThrow(/at most 100 bytes/);
});
