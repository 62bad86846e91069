// Each policy's documented behaviour, driven through the real agent and slice runner on the fake
// binding with rail 0 in an ACK blackout (ops execute, the requester gets IBV_WC_RETRY_EXC_ERR).
// The same behaviours on real rxe with a cable pull are in agents/rxe-failover.test.ts.
import { connectPeers, type AgentClient, type OpDescriptor, type Policy } from '..';
import type { HistoryEvent } from '../../harness/core';
import { startFakeAgent } from '../test-support';

async function run(policy: Policy, ops: OpDescriptor[]) {
  const { agent } = await startFakeAgent({ fakeDown: 'rxe0' });
  await agent.registerMemory('mem', 4096);
  await connectPeers(agent, agent);
  const result = await agent.runSlice({ slice: `s-${policy}`, peer: 'n1', policy, ops });
  await new Promise((ok) => setTimeout(ok, 150)); // recv events flush every 50 ms
  return { agent, result, done: completions(agent) };
}

function completions(a: AgentClient): HistoryEvent[] {
  return a.history.filter((e) => e.type !== 'invoke' && e.f !== 'recv');
}

const fadds: OpDescriptor[] = [1n, 2n, 4n, 8n].map((d) => ({ f: 'fadd', region: 'mem', offset: 0, value: d }));

test('none: the unacknowledged FADD is info, the rest fail unposted, no failover', async () => {
  const { agent, result, done } = await run('none', fadds);
  expect(result).toMatchObject({ ok: 0, info: 1, fail: 3, failovers: 0, epoch: 0 });
  expect(done[0]).toMatchObject({ type: 'info', error: 'IBV_WC_RETRY_EXC_ERR', rdma: { rail: 0, epoch: 0 } });
  expect(done.slice(1).map((e) => [e.type, e.error])).toEqual([['fail', 'IBV_QPS_ERR'], ['fail', 'IBV_QPS_ERR'], ['fail', 'IBV_QPS_ERR']]);
  expect(await agent.readU64('mem', 0)).toBe(1n); // it did execute: info was the honest answer
  await agent.shutdown();
});

test('replay: the FADD is re-posted on rail 1, reported ok, and executes twice', async () => {
  const { agent, result, done } = await run('replay', fadds);
  expect(result).toMatchObject({ ok: 4, info: 0, fail: 0, failovers: 1, epoch: 1, rail: 1 });
  expect(done[0]).toMatchObject({ type: 'ok', result: 1, rdma: { rail: 1, epoch: 1, repost: true } });
  expect(await agent.readU64('mem', 0)).toBe(1n + 1n + 2n + 4n + 8n); // the duplicate
  expect(agent.events.find((e) => e.ev === 'failover')).toMatchObject({ policy: 'replay', fromRail: 0, toRail: 1, epoch: 1, unresolved: 1, reposted: 1 });
  await agent.shutdown();
});

test('shift: the in-flight atomic is info, a write is retransmitted, the rest moves to rail 1', async () => {
  const { agent, result, done } = await run('shift', fadds);
  expect(result).toMatchObject({ ok: 3, info: 1, failovers: 1, epoch: 1 });
  expect(done[0]).toMatchObject({ type: 'info', error: 'IBV_WC_RETRY_EXC_ERR' });
  expect(done.slice(1).every((e) => e.type === 'ok' && e.rdma?.rail === 1 && e.rdma.epoch === 1 && !e.rdma.repost)).toBe(true);
  expect(await agent.readU64('mem', 0)).toBe(15n);
  await agent.shutdown();
  const w = await run('shift', [{ f: 'write', region: 'mem', offset: 8, value: 5n }, ...fadds]);
  expect(w.done[0]).toMatchObject({ type: 'ok', f: 'write', rdma: { rail: 1, repost: true } });
  await w.agent.shutdown();
});

test('shift: SENDs are settled by the handshake (no duplicate); replay duplicates them', async () => {
  const sends: OpDescriptor[] = [101n, 102n, 103n].map((v) => ({ f: 'send', value: v }));
  const shift = await run('shift', sends);
  expect(shift.result).toMatchObject({ ok: 3, info: 0, failovers: 1 });
  // the receiver had message 101: settled ok without a re-post
  expect(shift.done[0]).toMatchObject({ type: 'ok', rdma: { epoch: 1 } });
  expect(shift.done[0]!.rdma!.repost).toBeUndefined();
  const got = (a: AgentClient) => a.history.filter((e) => e.f === 'recv' && e.type === 'ok').map((e) => e.result);
  expect(got(shift.agent)).toEqual([101, 102, 103]);
  await shift.agent.shutdown();
  const replay = await run('replay', sends);
  expect(got(replay.agent)).toEqual([101, 101, 102, 103]); // queue sliding
  await replay.agent.shutdown();
});

test('read-verify: a CAS whose target already holds its new value is skipped as "applied"', async () => {
  const { agent, result, done } = await run('read-verify', [{ f: 'cas', region: 'mem', offset: 16, expect: 0n, value: 7n }, ...fadds]);
  expect(result).toMatchObject({ ok: 5, failovers: 1 });
  // not re-posted, reported as a successful swap (old value = expected)
  expect(done[0]).toMatchObject({ type: 'ok', f: 'cas', result: 0, rdma: { rail: 1, epoch: 1 } });
  expect(done[0]!.rdma!.repost).toBeUndefined();
  expect(agent.events.find((e) => e.ev === 'failover')).toMatchObject({ policy: 'read-verify', unresolved: 1, skipped: 1, reposted: 0 });
  await agent.shutdown();
});
