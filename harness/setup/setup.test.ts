// `rdma-chaos setup`: the checklist and its exit code, the clear refusal when not root, and the
// kernel part from an empty cache for real (apt-get download from the Debian mirror, dpkg -x,
// depmod, vmlinux, keys, initramfs), then idempotent.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli } from '../test-support';
import { setupKernel, type SetupItem } from './index';
import { findStaticBusybox } from './initramfs';
import { readKernelManifest } from './kernel';
import { cachePaths } from './paths';

jest.setTimeout(10 * 60_000);
const ROOT = path.resolve(__dirname, '../..');

/** The CLI from source as an unprivileged user. */
function asNobody(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-r', path.join(ROOT, 'harness/cluster/test-support/ts-register.js'), path.join(ROOT, 'harness/main.ts'), ...args],
    { cwd: '/', encoding: 'utf8', env: { PATH: process.env.PATH, HOME: '/nonexistent' } },
  );
}

describe('rdma-chaos setup', () => {
  it('--check lists every item, a fix for each missing one, and exits 0 only when all are there', async () => {
    const r = await cli('setup', '--check', '--json');
    const report = JSON.parse(r.out) as { ok: boolean; items: SetupItem[] };
    expect(report.items.map((i) => i.name)).toEqual(['root', 'apt packages', 'guest kernel', 'ssh keys', 'initramfs', 'native verbs binding']);
    for (const i of report.items.filter((x) => !x.ok)) expect(i.fix).toMatch(/\S/);
    expect(report.ok).toBe(report.items.every((i) => i.ok));
    expect(r.code).toBe(report.ok ? 0 : 254);
  });

  it('refuses to run without root, saying so in one line (254, setup.notRoot)', async () => {
    const spy = jest.spyOn(process, 'getuid').mockReturnValue(1000);
    try {
      const r = await cli('setup');
      expect(r.code).toBe(254);
      expect(r.err).toMatch(/^rdma-chaos: setup must run as root.*\[setup\.notRoot\]\n$/);
      const check = await cli('setup', '--check');
      expect(check.out).toMatch(/MISSING\s+root: not running as root/);
    } finally {
      spy.mockRestore();
    }
  });

  // the same as a real unprivileged process, where the checkout is readable by nobody
  const readable = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', path.join(ROOT, 'harness/main.ts')]).status === 0;
  (readable ? it : it.skip)(`refuses as a real non-root user too${readable ? '' : ' [skipped: checkout not readable by nobody]'}`, () => {
    const r = asNobody('setup');
    expect(r.status).toBe(254);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/must run as root.*\[setup\.notRoot\]/);
  });

  it('prepares the kernel part in an empty cache from the Debian mirror, then does nothing the second time', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-setup-cache-'));
    try {
      const paths = cachePaths(dir);
      const log: string[] = [];
      await setupKernel({ paths, log: (l) => log.push(l) });
      const k = readKernelManifest(paths)!;
      expect(k.version).toMatch(/^\d+\.\d+\.\d+-\d+-amd64$/);
      expect(fs.readFileSync(k.vmlinux).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
      expect(fs.readFileSync(path.join(k.modulesDir, 'modules.dep'), 'utf8')).toMatch(/rdma_rxe\.ko:.*ib_core\.ko/);
      const listing = spawnSync(findStaticBusybox(), ['cpio', '-t'], { input: fs.readFileSync(paths.initramfs), encoding: 'utf8' }).stdout;
      for (const f of ['init', '.rc/busybox', '.rc/mods/rdma_rxe.ko', '.rc/mods/9p.ko', '.rc/ssh/ssh_host_ed25519_key', '.rc/ssh/authorized_keys']) {
        expect(listing.split('\n')).toContain(f);
      }
      expect(log.join('\n')).toMatch(/prepared[\s\S]*generated[\s\S]*built/);

      const mtimes = [k.vmlinux, paths.initramfs, paths.hostKey].map((f) => fs.statSync(f).mtimeMs);
      const again: string[] = [];
      await setupKernel({ paths, log: (l) => again.push(l) });
      expect(again).toEqual([`guest kernel ${k.version}: cached`]);
      expect([k.vmlinux, paths.initramfs, paths.hostKey].map((f) => fs.statSync(f).mtimeMs)).toEqual(mtimes);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
