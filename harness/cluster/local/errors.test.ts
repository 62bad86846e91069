// Acceptance 5: bad environment or input ends `cluster up` with one line naming the problem,
// exit code 254, and nothing left running: no qemu installed, no kernel cache, a port in use,
// a node that never becomes ready (watchdog), a VM that dies during boot.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../main';
import { ensureSetup, clusterLeftovers as leftovers, removeTestCluster, testStateDir } from '../test-support';
import { readState } from './state';

jest.setTimeout(5 * 60_000);

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  let out = '';
  let err = '';
  try {
    const code = await runCli(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
    return { code, out, err };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** One error line on stderr (after `cluster:` progress lines), ending in the stable code; no stack. */
function expectOneLine(err: string, code: string): void {
  const lines = err.trim().split('\n').filter((l) => !l.startsWith('cluster: '));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^rdma-chaos: .+ \\[${code.replace('.', '\\.')}\\]$`));
  expect(err).not.toMatch(/\n\s+at /);
}

function expectNothingLeft(dir: string): void {
  expect(leftovers(dir)).toEqual({ processes: [], sockets: [] });
  expect(readState(dir)).toBeUndefined();
}

describe('cluster up refuses cleanly', () => {
  // these cases boot VMs: on a fresh machine, setup may not have run yet
  beforeAll(() => ensureSetup(), 30 * 60_000);
  const dirs: string[] = [];
  const dir = (name: string): string => {
    const d = testStateDir(name);
    dirs.push(d);
    return d;
  };
  afterAll(async () => {
    for (const d of dirs) await removeTestCluster(d);
  });

  it('no qemu installed (RDMA_CHAOS_QEMU names a missing binary)', async () => {
    const d = dir('noqemu');
    const r = await cli(['cluster', 'up', '--nodes', '1', '--state-dir', d], { RDMA_CHAOS_QEMU: '/nonexistent/qemu-system-x86_64' });
    expect(r.code).toBe(254);
    expectOneLine(r.err, 'cluster.noQemu');
    expect(r.err).toContain('/nonexistent/qemu-system-x86_64');
    expect(r.err).toContain('rdma-chaos setup');
    expectNothingLeft(d);
  });

  it('no kernel cache (RDMA_CHAOS_CACHE points at an empty dir)', async () => {
    const d = dir('nokernel');
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-empty-cache-'));
    try {
      const r = await cli(['cluster', 'up', '--nodes', '1', '--state-dir', d], { RDMA_CHAOS_CACHE: cache });
      expect(r.code).toBe(254);
      expectOneLine(r.err, 'cluster.noKernel');
      expect(r.err).toContain(cache);
      expectNothingLeft(d);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('a forwarded SSH port already in use', async () => {
    const d = dir('port');
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(22342, '127.0.0.1', resolve));
    try {
      const r = await cli(['cluster', 'up', '--nodes', '2', '--rails', '1', '--state-dir', d, '--ssh-port-base', '22340']);
      expect(r.code).toBe(254);
      expectOneLine(r.err, 'cluster.portInUse');
      expect(r.err).toContain('127.0.0.1:22342');
      expect(r.err).toContain('node2');
      expectNothingLeft(d);
    } finally {
      blocker.close();
    }
  });

  it('a node that never becomes ready hits the boot watchdog, and the cluster is taken down', async () => {
    const d = dir('never');
    // rdmachaos.break=1: the guest stops before sshd and never prints READY
    const r = await cli(
      ['cluster', 'up', '--nodes', '1', '--rails', '2', '--accel', 'tcg', '--state-dir', d, '--ssh-port-base', '22360', '--boot-timeout', '40'],
      { RDMA_CHAOS_KERNEL_ARGS: 'rdmachaos.break=1' },
    );
    expect(r.code).toBe(254);
    expectOneLine(r.err, 'cluster.bootTimeout');
    expect(r.err).toContain('node1');
    expect(r.err).toContain('40 s');
    expectNothingLeft(d);
    // the console explains why, and is kept for the post-mortem
    expect(fs.readFileSync(path.join(d, 'logs', 'node1-console.log'), 'utf8')).toContain('BREAK requested');
  });

  it('a VM that dies during boot (kernel panic) is reported with its console, not waited for', async () => {
    const d = dir('panic');
    const r = await cli(
      ['cluster', 'up', '--nodes', '1', '--rails', '1', '--accel', 'tcg', '--state-dir', d, '--ssh-port-base', '22380', '--boot-timeout', '600'],
      { RDMA_CHAOS_KERNEL_ARGS: 'rdinit=/no-such-init' },
    );
    expect(r.code).toBe(254);
    // qemu's exit ended the wait (not the 600 s watchdog), and the panic is quoted
    expectOneLine(r.err, 'cluster.qemuFailed');
    expect(r.err).toMatch(/panic|init/i);
    expectNothingLeft(d);
  });
});
