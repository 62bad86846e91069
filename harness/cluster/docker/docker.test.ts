// The docker driver against a real dockerd started here: the driver contract on a 2-node,
// 2-rail cluster, then what only docker does (no rxe on this kernel, down, a bad host).
import { ChaosError } from '../../core';
import { describeDriverContract } from '../contract';
import { dockerdLeftovers, hostRxe, startDockerd, type Dockerd } from '../test-support';
import { openDockerDriver } from './driver';

let dockerd: Dockerd | undefined;
const rxe = hostRxe();

beforeAll(async () => {
  dockerd = await startDockerd();
}, 60_000);

afterAll(async () => {
  const d = dockerd;
  await d?.stop();
  if (d) expect(await dockerdLeftovers(d)).toEqual([]);
}, 60_000);

describeDriverContract(
  'docker',
  async () => {
    if (!dockerd) throw new Error('dockerd did not start');
    const driver = await openDockerDriver(dockerd.host, { cluster: 'ct', log: (l) => console.info(l) });
    try {
      await driver.up({ nodes: 2, rails: 2, rdma: false });
    } catch (e: unknown) {
      await driver.down();
      throw e;
    }
    return { driver, teardown: () => driver.down() };
  },
  // the first run ever builds the rootfs with debootstrap (about a minute)
  { rdma: false, rdmaSkipReason: rxe.reason, timeoutMs: 30_000, setupTimeoutMs: 600_000 },
);

describe('docker driver', () => {
  test('up() with RDMA on a kernel without rdma_rxe fails with cluster.noRxe and leaves nothing', async () => {
    if (rxe.available) {
      console.info('host kernel has rdma_rxe: the noRxe case does not apply here');
      return;
    }
    const d = await openDockerDriver(dockerd!.host, { cluster: 'norxe' });
    let err: unknown;
    try {
      await d.up({ nodes: 1, rails: 1, railSubnets: ['10.90.0.0/24'] });
    } catch (e: unknown) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChaosError);
    expect(err).toMatchObject({ code: 'cluster.noRxe', exitCode: 254 });
    expect((err as Error).message).toMatch(/kernel \S+ has no rdma_rxe/);
    expect((err as Error).message).not.toContain('\n');
    const docker = dockerd!.docker;
    expect(await docker.listContainers({ all: true, filters: { label: ['rdma-chaos.cluster=norxe'] } })).toEqual([]);
    expect(await docker.listNetworks({ filters: { label: ['rdma-chaos.cluster=norxe'] } })).toEqual([]);
  }, 60_000);

  test('down() removes the cluster; up() on a taken name is refused', async () => {
    const d = await openDockerDriver(dockerd!.host, { cluster: 'dn' });
    await d.up({ nodes: 1, rails: 1, rdma: false, railSubnets: ['10.91.0.0/24'] });
    expect((await d.list()).map((n) => n.name)).toEqual(['n1']);
    // same shape again: reused; another shape: refused
    expect((await d.up({ nodes: 1, rails: 1, rdma: false, railSubnets: ['10.91.0.0/24'] })).length).toBe(1);
    await expect(d.up({ nodes: 2, rails: 1, rdma: false })).rejects.toMatchObject({ code: 'cluster.exists' });
    // a stopped node is reported, not crashed on
    await dockerd!.docker.getContainer('dn-n1').stop({ t: 0 });
    await expect(d.exec('n1', ['true'])).rejects.toMatchObject({ code: 'cluster.nodeDown', exitCode: 254 });
    expect((await d.list())[0].state).toBe('down');
    await d.down();
    expect(await d.list()).toEqual([]);
    expect(await dockerd!.docker.listNetworks({ filters: { label: ['rdma-chaos.cluster=dn'] } })).toEqual([]);
  }, 60_000);

  test('a cable pull on the rail with the default route gives the route back on restore; other rails stay up', async () => {
    const d = await openDockerDriver(dockerd!.host, { cluster: 'rt' });
    await d.up({ nodes: 1, rails: 2, rdma: false, railSubnets: ['10.92.0.0/24', '10.93.0.0/24'] });
    try {
      const out = async (argv: string[]): Promise<string> => (await d.exec('n1', argv)).stdout.trim();
      const [rail0, rail1] = (await d.list())[0].rails;
      const route = await out(['ip', 'route', 'show', 'default']);
      expect(route).toContain(`dev ${rail0.netdev}`);
      await d.pullCable('n1', 0);
      expect(await out(['ip', 'route', 'show', 'default'])).toBe('');
      expect(await out(['ip', '-br', 'link', 'show', 'dev', rail1.netdev])).toMatch(/\sUP\s/);
      await d.restoreCable('n1', 0);
      expect(await out(['ip', 'route', 'show', 'default'])).toBe(route);
    } finally {
      await d.down();
    }
  }, 60_000);

  test('an unreachable Docker host is cluster.unreachable (254)', async () => {
    await expect(openDockerDriver(`unix://${dockerd!.dir}/absent.sock`)).rejects.toMatchObject({
      code: 'cluster.unreachable',
      exitCode: 254,
    });
    await expect(openDockerDriver('ftp://x')).rejects.toMatchObject({ code: 'cluster.badDockerHost' });
  });
});
