// Acceptance 2: `cluster down` leaves no process and no socket of the cluster behind, after a
// normal `up` and after the controller was SIGKILLed in the middle of booting. Each case boots
// its own one-node, two-rail cluster in a private state dir on the vde fabric (two vde_switches,
// one qemu: processes to orphan and to find). The other backends' down: fabric/fabric.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli } from '../../test-support';
import { ensureSetup, clusterLeftovers as leftovers, removeTestCluster, spawnCli, testStateDir, waitUntil } from '../test-support';
import { isAlive } from './procs';
import { readState, stateFile } from './state';

jest.setTimeout(10 * 60_000);

describe('cluster down', () => {
  // these cases boot VMs: on a fresh machine, setup may not have run yet
  beforeAll(() => ensureSetup(), 30 * 60_000);
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await removeTestCluster(d);
  });

  it('after up: no qemu, no vde_switch, no socket remains; a second down finds nothing', async () => {
    const dir = testStateDir('down');
    dirs.push(dir);
    const up = await cli('cluster', 'up', '--nodes', '1', '--rails', '2', '--fabric', 'vde', '--state-dir', dir, '--ssh-port-base', '22300');
    expect(up.err).not.toContain('internal error');
    expect(up.code).toBe(0);
    expect(up.out).toMatch(/node1\s+127\.0\.0\.1:22301\s+data0 10\.77\.0\.1\/24\s+data1 10\.78\.0\.1\/24\s+rxe0:ACTIVE rxe1:ACTIVE\s+ready/);

    const state = readState(dir);
    const procs = [...state!.nodes.map((n) => n.proc!), ...state!.fabrics.flatMap((f) => f.procs)];
    expect(procs.map((p) => p.role).sort()).toEqual(['qemu node1', 'vde_switch rail0', 'vde_switch rail1']);
    expect(procs.every(isAlive)).toBe(true);
    const before = leftovers(dir);
    expect(before.processes).toHaveLength(3);
    expect(before.sockets.length).toBeGreaterThanOrEqual(4); // monitor, serial, vde ctl + data sockets

    const down = await cli('cluster', 'down', '--state-dir', dir, '--json');
    expect(down.code).toBe(0);
    expect(JSON.parse(down.out)).toMatchObject({ found: true });
    expect(procs.some(isAlive)).toBe(false);
    expect(leftovers(dir)).toEqual({ processes: [], sockets: [] });
    expect(fs.existsSync(stateFile(dir))).toBe(false);
    // only the kept consoles remain
    expect(fs.readdirSync(dir)).toEqual(['logs']);
    expect(fs.readFileSync(path.join(dir, 'logs', 'node1-console.log'), 'utf8')).toContain('RDMA-CHAOS-READY name=node1');

    const again = await cli('cluster', 'down', '--state-dir', dir);
    expect(again).toMatchObject({ code: 0 });
    expect(again.out).toContain('nothing was running');
  });

  it('after the controller is SIGKILLed mid-boot, down still stops everything it started', async () => {
    const dir = testStateDir('kill');
    dirs.push(dir);
    const child = spawnCli(['cluster', 'up', '--nodes', '1', '--rails', '2', '--accel', 'tcg', '--fabric', 'vde', '--state-dir', dir, '--ssh-port-base', '22320']);
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, sig) => resolve(sig)));
    // mid-boot: the qemu is recorded and running, the node is not READY yet
    await waitUntil(120_000, 'a recorded qemu', () => {
      const s = readState(dir);
      return s?.nodes[0]?.proc !== undefined && s.phase === 'booting';
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(stderr).not.toContain('READY');

    const orphaned = leftovers(dir);
    expect(orphaned.processes.length).toBe(3); // the VM and both switches outlived their controller
    expect(readState(dir)?.phase).toBe('booting');

    const down = await cli('cluster', 'down', '--state-dir', dir);
    expect(down.err).toBe('');
    expect(down.code).toBe(0);
    expect(down.out).toMatch(/stopped 3 process/);
    expect(leftovers(dir)).toEqual({ processes: [], sockets: [] });
    expect(fs.existsSync(path.join(dir, 'lock'))).toBe(false); // the dead controller's lock is gone too
  });
});
