// One state dir, found by every shell: a second `cluster up` of the same shape reuses the
// running cluster, another shape is refused without touching it, and openDriver('local')
// reaches the same VMs.
import { cli } from '../../test-support';
import { openDriver } from '../index';
import { acquireSharedCluster, type SharedCluster } from '../test-support';
import { readState } from './state';

jest.setTimeout(15 * 60_000);

let c: SharedCluster;
beforeAll(async () => {
  c = await acquireSharedCluster({ nodes: 2, rails: 2 });
});
afterAll(() => c?.release());

describe('a running local cluster', () => {
  it('is reused by `cluster up` with the same shape: same processes, no new boot', async () => {
    const before = readState(c.stateDir)!;
    const { nodes, rails } = before.shape;
    const r = await cli('cluster', 'up', '--nodes', String(nodes), '--rails', String(rails), '--state-dir', c.stateDir);
    expect(r.code).toBe(0);
    expect(r.out).toContain('reused the running cluster');
    expect(r.out.match(/rxe0:ACTIVE rxe1:ACTIVE\s+ready/g)?.length).toBe(nodes);
    const after = readState(c.stateDir)!;
    expect(after.nodes.map((n) => n.proc)).toEqual(before.nodes.map((n) => n.proc));
    expect(after.createdAt).toBe(before.createdAt);
  });

  it('refuses another shape (254, cluster.shapeMismatch) and leaves the cluster as it was', async () => {
    const before = readState(c.stateDir)!;
    const r = await cli('cluster', 'up', '--nodes', String(before.shape.nodes + 1), '--state-dir', c.stateDir);
    expect(r.code).toBe(254);
    expect(r.err).toMatch(/already up .*cluster down first \[cluster\.shapeMismatch\]/);
    const st = await cli('cluster', 'status', '--json', '--state-dir', c.stateDir);
    expect(st.code).toBe(0);
    expect(readState(c.stateDir)!.nodes.map((n) => n.proc)).toEqual(before.nodes.map((n) => n.proc));
  });

  it("is what openDriver('local') opens (through RDMA_CHAOS_STATE)", async () => {
    const saved = process.env.RDMA_CHAOS_STATE;
    process.env.RDMA_CHAOS_STATE = c.stateDir;
    try {
      const d = await openDriver('local');
      try {
        expect(d.kind).toBe('local');
        const r = await d.exec(c.nodes[1]!, ['hostname']);
        expect(r).toMatchObject({ code: 0, stdout: `${c.nodes[1]}\n` });
      } finally {
        await d.close();
      }
    } finally {
      if (saved === undefined) delete process.env.RDMA_CHAOS_STATE;
      else process.env.RDMA_CHAOS_STATE = saved;
    }
  });
});
