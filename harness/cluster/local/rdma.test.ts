// Acceptance 1: a local cluster (the suite's shared one: 2 nodes, 2 rails) has rxe0 and rxe1
// ACTIVE on every node, and `rdma-chaos cluster exec` runs perftest's ib_atomic_bw between two
// nodes over each rail, real RC atomics through the kernel's rdma_rxe.
import { cli } from '../../test-support';
import { acquireSharedCluster, type SharedCluster } from '../test-support';

jest.setTimeout(15 * 60_000);

let c: SharedCluster;
beforeAll(async () => {
  c = await acquireSharedCluster({ nodes: 2, rails: 2 });
});
afterAll(() => c?.release());

describe('local SoftRoCE cluster', () => {
  it('cluster status shows every node ready with rxe0 and rxe1 ACTIVE on data0 and data1', async () => {
    const r = await cli('cluster', 'status', '--json', '--state-dir', c.stateDir);
    expect(r.code).toBe(0);
    const st = JSON.parse(r.out) as { nodes: { name: string; state: string; rails: { netdev: string; rdmaDevice: string; portState: string; address: string }[] }[] };
    expect(st.nodes.length).toBeGreaterThanOrEqual(2);
    for (const [i, n] of st.nodes.entries()) {
      expect(n.state).toBe('ready');
      expect(n.rails.slice(0, 2)).toEqual([
        { index: 0, netdev: 'data0', address: `10.77.0.${i + 1}/24`, rdmaDevice: 'rxe0', portState: 'ACTIVE' },
        { index: 1, netdev: 'data1', address: `10.78.0.${i + 1}/24`, rdmaDevice: 'rxe1', portState: 'ACTIVE' },
      ]);
    }
  });

  it.each([0, 1])('cluster exec runs ib_atomic_bw FETCH_AND_ADD from node2 to node1 over rail %i', async (rail) => {
    const dev = `rxe${rail}`;
    const port = String(18515 + rail);
    const serverIp = `10.${77 + rail}.0.1`;
    // -x 1: the IPv4-mapped RoCEv2 GID, so the traffic really takes this rail
    const args = ['ib_atomic_bw', '-d', dev, '-x', '1', '-A', 'FETCH_AND_ADD', '-n', '2000', '-p', port];
    const server = cli('cluster', 'exec', '--state-dir', c.stateDir, 'node1', '--', 'timeout', '120', ...args);
    // the client may connect only once the server listens on its exchange port
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ss = await c.driver.exec('node1', ['ss', '-Hltn', `sport = :${port}`], { timeoutMs: 30_000 });
      if (ss.stdout.includes(`:${port}`)) break;
      if (Date.now() > deadline) throw new Error(`ib_atomic_bw server on node1 never listened on ${port}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const client = await cli('cluster', 'exec', '--state-dir', c.stateDir, 'node2', '--', 'timeout', '120', ...args, serverIp);
    const srv = await server;
    expect(client.code).toBe(0);
    expect(srv.code).toBe(0);
    for (const out of [client.out, srv.out]) {
      expect(out).toContain('Atomic FETCH_AND_ADD BW Test');
      expect(out).toMatch(new RegExp(`Device\\s+:\\s+${dev}\\b`));
    }
    // both ends used GIDs on this rail's subnet: 10.77.0.x is ...:255:255:10:77:00:0x
    const sub = `255:255:10:${77 + rail}:00:`;
    expect(client.out).toContain(`GID: 00:00:00:00:00:00:00:00:00:00:${sub}02`);
    expect(client.out).toContain(`GID: 00:00:00:00:00:00:00:00:00:00:${sub}01`);
    // the result row: 8-byte atomics, 2000 iterations, a positive message rate
    const row = /^\s*8\s+2000\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$/m.exec(client.out);
    expect(row).not.toBeNull();
    expect(Number(row![3])).toBeGreaterThan(0);
  });
});
