// Every test file gets the shared cluster without faults, whatever the previous holder left:
// nft rules, a netem qdisc, a link set down inside the guest, a cable pulled at the VM.
import { acquireSharedCluster } from '../test-support';

jest.setTimeout(15 * 60_000);

it('acquireSharedCluster heals what a previous test file left behind', async () => {
  const first = await acquireSharedCluster({ nodes: 2, rails: 2 });
  const node = first.nodes[0]!;
  const sh = async (script: string): Promise<string> => {
    const r = await first.driver.exec(node, ['sh', '-c', script], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`${script}: ${r.stderr}`);
    return r.stdout;
  };
  await sh('nft add table inet rcleft; nft add chain inet rcleft c "{ type filter hook input priority 0; }"; nft add rule inet rcleft c udp dport 4791 drop');
  await sh('tc qdisc add dev data0 root netem loss 50%');
  await sh('ip link set dev data1 down');
  await first.driver.pullCable(node, 0);
  expect(await sh('nft list tables')).toContain('rcleft');
  await first.release();

  const next = await acquireSharedCluster({ nodes: 2, rails: 2 });
  try {
    const r = await next.driver.exec(node, ['sh', '-c', 'nft list ruleset; tc qdisc show dev data0; ip -br link show dev data0; ip -br link show dev data1'], {
      timeoutMs: 120_000,
    });
    expect(r.stdout).not.toContain('rcleft');
    expect(r.stdout).not.toContain('netem');
    for (const dev of ['data0', 'data1']) {
      expect(r.stdout).toMatch(new RegExp(`^${dev}\\s+UP\\s+\\S+\\s+<[^>]*LOWER_UP[^>]*>`, 'm'));
    }
  } finally {
    await next.release();
  }
});
