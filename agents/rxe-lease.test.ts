// When the agent dies mid-run, or its SSH session is dropped, on a real node: the controller
// keeps every event received so far, and the nft table the agent installed is gone within the
// lease (healed by the agent itself on EOF, or by its guardian when the agent was killed).
import type { NodeDriver } from '../harness/core';
import { AgentClient } from './client';
import { connectPeers } from './peers';
import { FAST_FAIL, completed, rxeCluster, type RxeCluster } from './test-support';

jest.setTimeout(300_000);

const LEASE_MS = 4000;
const SLACK_MS = 4000; // SSH round trips under TCG
const TABLE = 'rdma_chaos_leasetest';

let cluster: RxeCluster;
let target: AgentClient;

beforeAll(async () => {
  cluster = await rxeCluster();
  target = await AgentClient.start({ driver: cluster.driver, node: cluster.nodes[0]!, processBase: 1_000_000, leaseMs: 10_000 });
  await target.registerMemory('mem', 4096);
});

afterAll(async () => {
  await target?.shutdown();
  // belt and braces: never leave our table behind on the node
  await cluster?.driver.exec(cluster.nodes[1]!, ['nft', 'delete', 'table', 'inet', TABLE]).catch(() => undefined);
  await cluster?.release();
});

async function tables(driver: NodeDriver, node: string): Promise<string> {
  return (await driver.exec(node, ['nft', 'list', 'tables'])).stdout;
}

async function alive(driver: NodeDriver, node: string, pid: number): Promise<boolean> {
  // a zombie (state Z) is dead: busybox init reaps late
  const r = await driver.exec(node, ['sh', '-c', 'grep -q "^State:.*Z" /proc/$1/status 2>/dev/null && exit 1; test -d /proc/$1', 'alive', String(pid)]);
  return r.code === 0;
}

async function eventually(ms: number, cond: () => Promise<boolean>): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

/** a client agent with an nft fault installed and a long slice running */
async function busyClient(slice: string) {
  const node = cluster.nodes[1]!;
  const client = await AgentClient.start({ driver: cluster.driver, node, processBase: 0, leaseMs: LEASE_MS });
  await connectPeers(client, target, { settings: FAST_FAIL, rails: [0] });
  await client.setFaults([{ id: 'probe', nft: `table inet ${TABLE} {\n  chain c {\n    type filter hook input priority 0; policy accept;\n    udp dport 9 counter\n  }\n}\n` }]);
  expect(await tables(cluster.driver, node)).toContain(TABLE);
  const running = client.runSlice({
    slice,
    peer: target.node,
    policy: 'none',
    rate: 200,
    depth: 16,
    ops: Array.from({ length: 4000 }, (_, i) => ({ f: 'fadd' as const, region: 'mem', offset: 0, value: BigInt(i + 1) })),
  });
  running.catch(() => undefined); // it ends with agent.gone
  await eventually(60_000, async () => completed(client.history).length >= 200);
  return { client, node, running, pid: client.info!.pid, guardian: client.info!.guardianPid! };
}

function checkKept(client: AgentClient, seen: number): void {
  // everything received before the end is still there, each op with both of its events
  expect(client.history.length).toBeGreaterThanOrEqual(seen);
  const open = new Map<number | string, number>();
  for (const e of client.history) open.set(e.process, (open.get(e.process) ?? 0) + (e.type === 'invoke' ? 1 : -1));
  expect([...open.values()].every((v) => v === 0)).toBe(true);
}

test('agent killed mid-run: events kept, its nft table healed by the lease guardian', async () => {
  const { client, node, running, pid, guardian } = await busyClient('killed');
  const seen = client.history.length;
  await cluster.driver.exec(node, ['kill', '-KILL', String(pid)]);
  const exit = await client.exited;
  expect(exit.bye).toBeUndefined();
  await expect(running).rejects.toMatchObject({ code: 'agent.gone' });
  checkKept(client, seen);
  expect(await eventually(LEASE_MS + SLACK_MS, async () => !(await tables(cluster.driver, node)).includes(TABLE))).toBe(true);
  expect(await eventually(5000, async () => !(await alive(cluster.driver, node, guardian)))).toBe(true);
  // the target is untouched and still serves
  expect((await target.call('time', {})).monotonicNs).toMatch(/^\d+$/);
});

test('SSH session dropped mid-run: events kept, the agent heals and exits within the lease', async () => {
  const { client, node, running, pid, guardian } = await busyClient('dropped');
  const seen = client.history.length;
  client.detach();
  await expect(running).rejects.toMatchObject({ code: 'agent.gone' });
  checkKept(client, seen);
  expect(await eventually(LEASE_MS + SLACK_MS, async () => !(await tables(cluster.driver, node)).includes(TABLE) && !(await alive(cluster.driver, node, pid)))).toBe(true);
  expect(await eventually(5000, async () => !(await alive(cluster.driver, node, guardian)))).toBe(true);
});
