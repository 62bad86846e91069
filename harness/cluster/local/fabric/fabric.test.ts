// Every fabric backend, for real: one small cluster per backend in a private state dir and port
// range (next to the suite's shared cluster), RDMA atomics across the rail (perftest
// ib_atomic_bw FADD, node2 -> node1), and `cluster down` leaving no qemu, socket or netns.
// The bridge case also re-creates its rail in place (the nodes stay up) and refuses to reuse
// its cluster for another fabric; a bridge cluster whose controller was SIGKILLed mid-boot is
// cleaned up by down; the stream backend refuses shapes it cannot serve.
import * as fs from 'node:fs';
import { cli } from '../../../test-support';
import { ensureSetup, clusterLeftovers as leftovers, removeTestCluster, spawnCli, testStateDir, waitUntil } from '../../test-support';
import type { LocalDriver } from '../driver';
import { openLocalDriver } from '../index';
import { readState } from '../state';
import { bridgeNetns } from './bridge';

jest.setTimeout(20 * 60_000);

const netnsExists = (dir: string): boolean => fs.existsSync(`/run/netns/${bridgeNetns(dir)}`);

/** FADDs from node2 against node1's memory over rxe0; returns the client's rate line. */
async function atomics(d: LocalDriver): Promise<string> {
  const perftest = ['stdbuf', '-oL', 'ib_atomic_bw', '-d', 'rxe0', '-x', '1', '-A', 'FETCH_AND_ADD', '-n', '2000'];
  const srv = await d.spawn('node1', perftest);
  let srvOut = '';
  srv.stdout.on('data', (b: Buffer) => (srvOut += b.toString()));
  // the client's TCP handshake must find the server listening
  await waitUntil(120_000, 'ib_atomic_bw server listening', () => /Waiting for client/.test(srvOut));
  const cl = await d.exec('node2', [...perftest, '10.77.0.1'], { timeoutMs: 180_000 });
  const s = await srv.exited;
  expect({ client: cl.code, server: s.code }).toEqual({ client: 0, server: 0 });
  const line = cl.stdout.split('\n').find((l) => /^\s*8\s+2000\s/.test(l));
  expect(line).toBeDefined();
  return line!;
}

async function ping(d: LocalDriver, rail: number): Promise<number | null> {
  const r = await d.exec('node1', ['/.rc/bin/ping', '-c', '3', '-W', '3', '-I', `data${rail}`, `10.${77 + rail}.0.2`], { timeoutMs: 60_000 });
  return r.code;
}

describe('fabric backends', () => {
  beforeAll(() => ensureSetup(), 30 * 60_000);
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await removeTestCluster(d);
  });

  const cases: { fabric: string; rails: number; port: number }[] = [
    { fabric: 'vde', rails: 1, port: 22940 },
    { fabric: 'bridge', rails: 2, port: 22950 },
    { fabric: 'dgram', rails: 1, port: 22960 },
    { fabric: 'stream', rails: 2, port: 22970 },
  ];
  it.each(cases)('$fabric: 2 nodes, $rails rail(s): RDMA atomics work, down leaves nothing', async ({ fabric, rails, port }) => {
    const dir = testStateDir(`fab-${fabric}`);
    dirs.push(dir);
    const up = await cli('cluster', 'up', '--nodes', '2', '--rails', String(rails), '--fabric', fabric, '--state-dir', dir, '--ssh-port-base', String(port), '--boot-timeout', '600');
    expect(up.err).not.toContain('internal error');
    expect(up.code).toBe(0);
    expect(up.out).toContain(`${fabric} fabric`);
    expect(readState(dir)).toMatchObject({ fabric, phase: 'ready' });
    if (fabric === 'bridge') expect(netnsExists(dir)).toBe(true);

    const d = openLocalDriver({ stateDir: dir });
    try {
      expect(await atomics(d)).toMatch(/^\s*8\s+2000\s/);
      for (let r = 0; r < rails; r++) expect(await ping(d, r)).toBe(0);

      if (fabric === 'bridge') {
        // the repair of a frozen rail: a new bridge, the running nodes' taps enslaved again
        const before = d.state.nodes.map((n) => n.proc?.pid);
        expect(await d.recreateFabric(0)).toEqual({ nodesRestarted: false });
        expect(readState(dir)!.nodes.map((n) => n.proc?.pid)).toEqual(before);
        expect(await ping(d, 0)).toBe(0);
        // a running cluster is not reused for another fabric
        const other = await cli('cluster', 'up', '--nodes', '2', '--rails', '2', '--fabric', 'vde', '--state-dir', dir, '--ssh-port-base', String(port));
        expect(other.code).toBe(254);
        expect(other.err.trim().split('\n')).toHaveLength(1);
        expect(other.err).toContain('bridge fabric is already up');
      }
    } finally {
      await d.close();
    }

    const down = await cli('cluster', 'down', '--state-dir', dir);
    expect(down.code).toBe(0);
    expect(leftovers(dir)).toEqual({ processes: [], sockets: [] });
    expect(netnsExists(dir)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual(['logs']);
  });

  it('bridge: after the controller is SIGKILLed mid-boot, down removes the netns too', async () => {
    const dir = testStateDir('fab-kill');
    dirs.push(dir);
    const child = spawnCli(['cluster', 'up', '--nodes', '1', '--rails', '2', '--accel', 'tcg', '--fabric', 'bridge', '--state-dir', dir, '--ssh-port-base', '22980']);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, sig) => resolve(sig)));
    await waitUntil(120_000, 'a recorded qemu', () => readState(dir)?.nodes[0]?.proc !== undefined);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(netnsExists(dir)).toBe(true);
    // the VM outlived its controller (a qemu child forked for the tap helper, before its exec,
    // scans as a second qemu for a moment)
    await waitUntil(10_000, 'one qemu left', () => leftovers(dir).processes.length === 1);
    expect(leftovers(dir).processes).toHaveLength(1);

    const down = await cli('cluster', 'down', '--state-dir', dir);
    expect(down).toMatchObject({ code: 0, err: '' });
    expect(leftovers(dir)).toEqual({ processes: [], sockets: [] });
    expect(netnsExists(dir)).toBe(false);
  });

  it('a shape a backend cannot serve is refused in one line before anything starts', async () => {
    const dir = testStateDir('fab-refuse');
    dirs.push(dir);
    const r = await cli('cluster', 'up', '--nodes', '3', '--rails', '1', '--fabric', 'stream', '--state-dir', dir, '--ssh-port-base', '22990');
    expect(r.code).toBe(254);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('point-to-point: it needs exactly 2 nodes');
    const bad = await cli('cluster', 'up', '--fabric', 'tcp', '--state-dir', dir);
    expect(bad.code).toBe(254);
    expect(bad.err).toContain('fabric "tcp": expected one of vde, bridge, dgram, stream');
    expect(leftovers(dir)).toEqual({ processes: [], sockets: [] });
    expect(readState(dir)).toBeUndefined();
  });
});
