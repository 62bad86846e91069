// The initramfs writer produces newc archives an independent reader (busybox cpio) accepts,
// with file contents, modes, symlinks and device nodes intact.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeCpio } from './cpio';
import { findStaticBusybox } from './initramfs';

describe('writeCpio', () => {
  const archive = writeCpio([
    { kind: 'dir', path: 'a' },
    { kind: 'file', path: 'a/odd', data: Buffer.from('x'.repeat(5)), mode: 0o755 },
    { kind: 'file', path: '/a/empty', data: Buffer.alloc(0) },
    { kind: 'symlink', path: 'bin', target: 'usr/bin' },
    { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
  ]);

  it('is listed by busybox cpio with types, modes and link targets', () => {
    const r = spawnSync(findStaticBusybox(), ['cpio', '-tv'], { input: archive, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => [l.slice(0, 10), l.split(/\s+/).slice(5).join(' ')]);
    expect(rows).toEqual([
      ['drwxr-xr-x', 'a'],
      ['-rwxr-xr-x', 'a/odd'],
      ['-rw-r--r--', 'a/empty'],
      ['lrwxrwxrwx', 'bin -> usr/bin'],
      ['crw-------', 'dev/console'],
    ]);
  });

  it('extracts to the same bytes (entries padded to 4-byte boundaries)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-cpio-'));
    try {
      const r = spawnSync(findStaticBusybox(), ['cpio', '-id'], { input: archive, cwd: dir });
      expect(r.status).toBe(0);
      expect(fs.readFileSync(path.join(dir, 'a/odd'), 'utf8')).toBe('xxxxx');
      expect(fs.statSync(path.join(dir, 'a/odd')).mode & 0o777).toBe(0o755);
      expect(fs.readFileSync(path.join(dir, 'a/empty')).length).toBe(0);
      expect(fs.readlinkSync(path.join(dir, 'bin'))).toBe('usr/bin');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is deterministic: the same entries give the same bytes', () => {
    const e = [{ kind: 'file' as const, path: 'f', data: Buffer.from('abc') }];
    expect(writeCpio(e).equals(writeCpio(e))).toBe(true);
  });
});
