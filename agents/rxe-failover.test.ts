// Each failover policy on real rxe: the primary rail's cable is pulled (on the target) while a
// paced slice runs; the history must show the policy's documented behaviour.
import type { FailoverEvent, OpDescriptor, Policy } from '.';
import type { HistoryEvent } from '../harness/core';
import { FAST_FAIL, completed, rxeCluster, startPair, waitPortActive, type AgentPair, type RxeCluster } from './test-support';

jest.setTimeout(600_000);

let cluster: RxeCluster;

beforeAll(async () => {
  cluster = await rxeCluster();
});
afterAll(async () => {
  await cluster?.release();
});

interface Outcome {
  pair: AgentPair;
  done: HistoryEvent[];
  failover: FailoverEvent | undefined;
  result: Awaited<ReturnType<AgentPair['client']['runSlice']>>;
}

/**
 * Run `ops` at `rate`; once a quarter of them completed, pull the target's rail-0 cable (the
 * rest of the slice, seconds of it, runs into the fault); restore at the end.
 */
async function pulled(policy: Policy, ops: OpDescriptor[], rate = 250, o: { retryCnt?: number; opTimeoutMs?: number } = {}): Promise<Outcome> {
  const pair = await startPair(cluster, o.retryCnt !== undefined ? { peer: { settings: { ...FAST_FAIL, retryCnt: o.retryCnt } } } : {});
  const targetNode = pair.target.node;
  try {
    const running = pair.client.runSlice({ slice: `${policy}-pull`, peer: targetNode, policy, ops, rate, depth: 32, ...(o.opTimeoutMs ? { opTimeoutMs: o.opTimeoutMs } : {}) });
    const until = Date.now() + 60_000;
    while (completed(pair.client.history).length < ops.length / 4 && Date.now() < until) await new Promise((ok) => setTimeout(ok, 20));
    await cluster.driver.pullCable(targetNode, 0);
    const result = await running;
    await new Promise((ok) => setTimeout(ok, 300)); // let the receive side flush
    const failover = pair.client.events.find((e): e is FailoverEvent => e.ev === 'failover');
    if (process.env.RC_DEBUG) {
      // outcome tally per kind, rail and epoch: the first thing to look at when a run surprises
      const tally = new Map<string, number>();
      for (const e of completed(pair.client.history)) {
        const k = `${e.f} ${e.type} ${e.error ?? ''} rail${e.rdma?.rail} ep${e.rdma?.epoch}${e.rdma?.repost ? ' repost' : ''}`;
        tally.set(k, (tally.get(k) ?? 0) + 1);
      }
      console.log('DEBUG', policy, JSON.stringify(result), JSON.stringify(pair.client.events.filter((e) => e.ev !== 'log')), JSON.stringify([...tally]));
    }
    return { pair, done: completed(pair.client.history), failover, result };
  } finally {
    await cluster.driver.restoreCable(targetNode, 0);
    await waitPortActive(cluster.driver, targetNode, 'rxe0');
  }
}

const fadds = (n: number, offset = 0): OpDescriptor[] => Array.from({ length: n }, (_, i) => ({ f: 'fadd', region: 'mem', offset, value: BigInt(i + 1) }));

test('none: ops in flight at the pull end as info, the rest fail unposted, nothing moves', async () => {
  const { pair, done, failover, result } = await pulled('none', fadds(2000));
  try {
    expect(result.failovers).toBe(0);
    expect(result.ok).toBeGreaterThan(0);
    expect(result.info).toBeGreaterThan(0);
    expect(result.fail).toBeGreaterThan(0);
    expect(failover).toMatchObject({ policy: 'none', fromRail: 0, toRail: null, reason: 'IBV_WC_RETRY_EXC_ERR' });
    const infos = done.filter((e) => e.type === 'info');
    expect(infos[0]!.error).toBe('IBV_WC_RETRY_EXC_ERR'); // the one that timed out; the rest flushed
    expect(new Set(infos.slice(1).map((e) => e.error))).toEqual(new Set(infos.length > 1 ? ['IBV_WC_WR_FLUSH_ERR'] : []));
    expect(new Set(done.filter((e) => e.type === 'fail').map((e) => e.error))).toEqual(new Set(['IBV_QPS_ERR']));
    expect(done.every((e) => e.rdma?.rail === 0 && e.rdma.epoch === 0 && !e.rdma.repost)).toBe(true);
    // the counter holds every ok delta and some subset of the info ones
    const sumOk = done.filter((e) => e.type === 'ok').reduce((s, e) => s + BigInt(e.value as number), 0n);
    const sumInfo = infos.reduce((s, e) => s + BigInt(e.value as number), 0n);
    const v = await pair.target.readU64('mem', 0);
    expect(v).toBeGreaterThanOrEqual(sumOk);
    expect(v).toBeLessThanOrEqual(sumOk + sumInfo);
  } finally {
    await pair.stop();
  }
});

test('replay: unacknowledged WRs are re-posted on rail 1 and reported ok', async () => {
  const { pair, done, failover, result } = await pulled('replay', fadds(2000));
  try {
    expect(result).toMatchObject({ ok: 2000, info: 0, fail: 0, failovers: 1, epoch: 1, rail: 1 });
    expect(failover).toMatchObject({ policy: 'replay', fromRail: 0, toRail: 1, epoch: 1, info: 0, skipped: 0 });
    expect(failover!.reposted).toBe(failover!.unresolved);
    const reposted = done.filter((e) => e.rdma?.repost);
    expect(reposted.length).toBe(failover!.reposted);
    expect(reposted.length).toBeGreaterThan(0);
    // re-posts carry the new QP (rail 1) and epoch; their invocation stays on rail 0
    for (const e of reposted) expect(e.rdma).toMatchObject({ rail: 1, epoch: 1 });
    const invokes = new Map(pair.client.history.filter((e) => e.type === 'invoke').map((e) => [e.rdma!.wrId, e]));
    for (const e of reposted) expect(invokes.get(e.rdma!.wrId)!.rdma).toMatchObject({ rail: 0, epoch: 0 });
    // every delta counted at least once; any excess is re-posted deltas that had executed
    const total = 2000n * 2001n / 2n;
    const excess = (await pair.target.readU64('mem', 0)) - total;
    expect(excess).toBeGreaterThanOrEqual(0n);
    expect(subsetSum(reposted.map((e) => BigInt(e.value as number)), excess)).toBe(true);
  } finally {
    await pair.stop();
  }
});

test('shift: in-flight atomics are info, writes/reads retransmit, SENDs resync exactly once', async () => {
  const ops: OpDescriptor[] = [];
  for (let i = 0; i < 2000; i++) {
    const k = i % 4;
    if (k === 0) ops.push({ f: 'fadd', region: 'mem', offset: 0, value: 1n });
    else if (k === 1) ops.push({ f: 'write', region: 'mem', offset: 64, value: BigInt(i) });
    else if (k === 2) ops.push({ f: 'read', region: 'mem', offset: 64 });
    else ops.push({ f: 'send', value: BigInt(100000 + i) });
  }
  const { pair, done, failover, result } = await pulled('shift', ops);
  try {
    expect(result).toMatchObject({ fail: 0, failovers: 1, epoch: 1 });
    expect(failover).toMatchObject({ policy: 'shift', fromRail: 0, toRail: 1, fenced: true });
    const infos = done.filter((e) => e.type === 'info');
    expect(infos.length).toBeGreaterThan(0);
    expect(infos.every((e) => e.f === 'fadd')).toBe(true); // only atomics fail
    expect(done.filter((e) => e.f === 'fadd' && e.rdma?.repost)).toHaveLength(0);
    expect(done.filter((e) => (e.f === 'write' || e.f === 'read') && e.type !== 'ok')).toHaveLength(0);
    expect(done.filter((e) => (e.f === 'write' || e.f === 'read') && e.rdma?.repost).length).toBeGreaterThan(0);
    expect(done.filter((e) => e.f === 'send').every((e) => e.type === 'ok')).toBe(true);
    // the receiver got every message exactly once, in order: no duplicate from the failover
    const sent = ops.filter((o) => o.f === 'send').map((o) => Number(o.value));
    const got = await recvs(pair, sent.length);
    expect(duplicates(got)).toEqual([]);
    expect(got).toEqual(sent);
  } finally {
    await pair.stop();
  }
});

test('read-verify: writes whose target already holds their value are skipped as "applied"', async () => {
  // key 0 always gets the same value (as after a benign retry); key 8 gets unique values
  const ops: OpDescriptor[] = [{ f: 'write', region: 'mem', offset: 0, value: 7n }];
  for (let i = 1; i < 2000; i++) ops.push(i % 2 ? { f: 'write', region: 'mem', offset: 0, value: 7n } : { f: 'write', region: 'mem', offset: 8, value: BigInt(i) });
  const { pair, done, failover, result } = await pulled('read-verify', ops);
  try {
    expect(result).toMatchObject({ ok: 2000, info: 0, fail: 0, failovers: 1 });
    expect(failover).toMatchObject({ policy: 'read-verify', toRail: 1 });
    expect(failover!.skipped).toBeGreaterThan(0);
    expect(failover!.skipped + failover!.reposted + failover!.info).toBe(failover!.unresolved);
    // every unresolved write to key 0 "looked applied": ok at epoch 1 without a re-post, even
    // those the target never received (that is the unsafety the harness must expose)
    const settled = done.filter((e) => e.key === 'mem@0' && e.rdma?.epoch === 1 && e.rdma.rail === 1);
    const invokes = new Map(pair.client.history.filter((e) => e.type === 'invoke').map((e) => [e.rdma!.wrId, e]));
    const verified = settled.filter((e) => invokes.get(e.rdma!.wrId)!.rdma!.rail === 0);
    expect(verified.length).toBeGreaterThan(0);
    expect(verified.every((e) => e.type === 'ok' && !e.rdma!.repost)).toBe(true);
  } finally {
    await pair.stop();
  }
});

function duplicates(xs: number[]): number[] {
  const seen = new Set<number>();
  return xs.filter((x) => (seen.has(x) ? true : (seen.add(x), false)));
}

test('a QP that retries forever (retryCnt 7) is cut by the op timeout: ETIMEDOUT is info', async () => {
  const { pair, done, failover, result } = await pulled('none', fadds(2000), 250, { retryCnt: 7, opTimeoutMs: 2000 });
  try {
    expect(result).toMatchObject({ failovers: 0 });
    expect(failover).toMatchObject({ policy: 'none', toRail: null, reason: 'ETIMEDOUT' });
    const infos = done.filter((e) => e.type === 'info');
    expect(infos.length).toBeGreaterThan(0);
    expect(new Set(infos.map((e) => e.error))).toEqual(new Set(['ETIMEDOUT']));
    expect(new Set(done.filter((e) => e.type === 'fail').map((e) => e.error))).toEqual(new Set(['IBV_QPS_ERR']));
  } finally {
    await pair.stop();
  }
});

async function recvs(pair: AgentPair, n: number): Promise<number[]> {
  const until = Date.now() + 15_000;
  const get = () => pair.target.history.filter((e) => e.f === 'recv' && e.type === 'ok').map((e) => e.result as number);
  while (get().length < n && Date.now() < until) await new Promise((ok) => setTimeout(ok, 100));
  await new Promise((ok) => setTimeout(ok, 300)); // a late duplicate would show up now
  return get();
}

/** is `target` a sum of some subset of `xs`? (small numbers: a set of reachable sums) */
function subsetSum(xs: bigint[], target: bigint): boolean {
  let reach = new Set<bigint>([0n]);
  for (const x of xs) {
    const next = new Set(reach);
    for (const s of reach) if (s + x <= target) next.add(s + x);
    reach = next;
  }
  return reach.has(target);
}
