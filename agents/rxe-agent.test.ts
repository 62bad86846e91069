// Through the agent on real rxe, across two nodes: every op kind checked against the target's
// memory, receives on the other side, and a forced QP error classified honestly.
import { HistoryEvent } from '../harness/core';
import { connectPeers } from './peers';
import { u64Json } from './wire';
import { FAST_FAIL, completed, rxeCluster, startPair, type AgentPair, type RxeCluster } from './test-support';

jest.setTimeout(300_000);

let cluster: RxeCluster;
let pair: AgentPair;

beforeAll(async () => {
  cluster = await rxeCluster();
  pair = await startPair(cluster);
});

afterAll(async () => {
  await pair?.stop();
  await cluster?.release();
});

test('FADD, CAS, WRITE, READ and SEND/RECV against the remote node', async () => {
  const { client, target } = pair;
  const big = (1n << 62n) + 12345n;
  const r = await client.runSlice({
    slice: 'kinds',
    peer: target.node,
    policy: 'none',
    ops: [
      { f: 'fadd', region: 'mem', offset: 0, value: 3n },
      { f: 'fadd', region: 'mem', offset: 0, value: big },
      { f: 'cas', region: 'mem', offset: 8, expect: 0n, value: 77n },
      { f: 'cas', region: 'mem', offset: 8, expect: 0n, value: 88n },
      { f: 'write', region: 'mem', offset: 64, len: 512, value: 0x0102030405060708n },
      { f: 'read', region: 'mem', offset: 64, len: 512 },
      { f: 'send', value: 1001n },
      { f: 'send', value: 1002n, len: 64 },
      { f: 'write', region: 'mem', offset: 16, value: 5n, imm: 0xabc },
    ],
  });
  expect(r).toMatchObject({ n: 9, ok: 9, info: 0, fail: 0, failovers: 0, epoch: 0, rail: 0 });
  expect(await target.readU64('mem', 0)).toBe(3n + big);
  expect(await target.readU64('mem', 8)).toBe(77n);
  const block = await target.readMemory('mem', 64, 512);
  for (let off = 0; off < 512; off += 8) expect(block.readBigUInt64LE(off)).toBe(0x0102030405060708n);
  expect(await target.readU64('mem', 16)).toBe(5n);

  const done = completed(client.history);
  expect(done.map((e) => [e.f, e.type, e.result])).toEqual([
    ['fadd', 'ok', 0],
    ['fadd', 'ok', 3],
    ['cas', 'ok', 0],
    ['cas', 'ok', 77], // did not swap: the old value says so
    ['write', 'ok', undefined],
    ['read', 'ok', String(0x0102030405060708n)], // beyond 2^53: a decimal string, exact
    ['send', 'ok', undefined],
    ['send', 'ok', undefined],
    ['write', 'ok', undefined],
  ]);
  for (const e of [...client.history]) expect(HistoryEvent.safeParse(e).success).toBe(true);
  // invoke before completion, on one clock, with the QP and PSN range the op used
  const inv = client.history.filter((e) => e.type === 'invoke');
  inv.forEach((e, i) => {
    expect(e.time!).toBeLessThanOrEqual(done[i]!.time!);
    expect(e.rdma).toMatchObject({ rail: 0, epoch: 0, qpn: expect.any(Number), psn: expect.any(Array) });
  });

  // the two SENDs and the WRITE_WITH_IMM's receive land on the target, in order
  const until = Date.now() + 10_000;
  while (target.history.filter((e) => e.f === 'recv' && e.type === 'ok').length < 3 && Date.now() < until) await new Promise((ok) => setTimeout(ok, 50));
  const recvs = target.history.filter((e) => e.f === 'recv' && e.type === 'ok');
  expect(recvs.map((e) => [e.key, e.result])).toEqual([
    [`${client.node}->${target.node}`, 1001],
    [`${client.node}->${target.node}`, 1002],
    [`${client.node}->${target.node}`, 0], // WRITE_WITH_IMM consumes a receive, no payload
  ]);
});

test('payloads of their own across two nodes: 300 distinct 32-byte blocks written, then read back in bytes, at depth 8', async () => {
  const { client, target } = pair;
  const n = 300;
  const blk = (k: number) => Uint8Array.from({ length: 32 }, (_, i) => (k * 97 + i * 29 + (k >> 3)) & 0xff);
  const at = (k: number) => 8192 + 32 * k;
  const w = await client.runSlice({ slice: 'blocks-w', peer: target.node, policy: 'none', depth: 8, ops: Array.from({ length: n }, (_, k) => ({ f: 'write' as const, region: 'mem', offset: at(k), data: blk(k) })) });
  expect(w).toMatchObject({ n, ok: n });
  const mem = await target.readMemory('mem', at(0), 32 * n);
  expect(Array.from({ length: n }, (_, k) => mem.subarray(32 * k, 32 * k + 32).equals(Buffer.from(blk(k)))).every(Boolean)).toBe(true);
  const before = client.history.length;
  // reads asking for bytes among plain 8-byte reads: the bytes stay with their ops
  const reads = Array.from({ length: n }, (_, k) => (k % 3 === 2 ? { f: 'read' as const, region: 'mem', offset: at(k) } : { f: 'read' as const, region: 'mem', offset: at(k), len: 32, data: true as const }));
  const r = await client.runSlice({ slice: 'blocks-r', peer: target.node, policy: 'none', depth: 8, ops: reads });
  expect(r).toMatchObject({ n, ok: n });
  const got = completed(client.history.slice(before)).map((e) => e.result);
  const want = Array.from({ length: n }, (_, k) => (k % 3 === 2 ? u64Json(Buffer.from(blk(k)).readBigUInt64LE(0)) : { bytes: Buffer.from(blk(k)).toString('hex') }));
  expect(got).toEqual(want);
});

test('one process has one op in flight: with depth 1 every invoke follows the previous completion, with depth 4 each slot is its own process', async () => {
  const { client, target } = pair;
  const run = async (slice: string, depth: number, offset: number): Promise<HistoryEvent[]> => {
    const before = client.history.length;
    const ops = Array.from({ length: 40 }, (_, j) => ({ f: 'cas' as const, region: 'mem', offset, expect: BigInt(j), value: BigInt(j + 1) }));
    const r = await client.runSlice({ slice, peer: target.node, policy: 'none', ops, depth });
    expect(r.ok).toBe(40);
    return client.history.slice(before);
  };
  for (const [slice, depth, offset] of [['seq-1', 1, 4096], ['seq-4', 4, 4104]] as const) {
    const events = await run(slice, depth, offset);
    const byProcess = new Map<number, HistoryEvent[]>();
    for (const e of events) {
      const l = byProcess.get(e.process as number) ?? [];
      l.push(e);
      byProcess.set(e.process as number, l);
    }
    expect(byProcess.size).toBeLessThanOrEqual(depth);
    for (const [p, l] of byProcess) {
      // in time order, a process alternates invoke, completion, invoke, ...
      const sorted = [...l].sort((a, b) => a.time! - b.time! || (a.type === 'invoke' ? 1 : -1));
      sorted.forEach((e, i) => expect([p, i, e.type === 'invoke']).toEqual([p, i, i % 2 === 0]));
    }
  }
});

test('a QP forced to ERR mid-run: outstanding ops are info (flush), the rest fail unposted', async () => {
  const { client, target } = pair;
  const before = client.history.length;
  const n = 600;
  const running = client.runSlice({
    slice: 'forced',
    peer: target.node,
    policy: 'none',
    depth: 32,
    rate: 300,
    ops: Array.from({ length: n }, () => ({ f: 'fadd' as const, region: 'mem', offset: 24, value: 1n })),
  });
  await new Promise((ok) => setTimeout(ok, 700));
  expect((await client.forceQpError(pair.link.a.get(0)!)).state).toBe('ERR');
  const r = await running;
  expect(r.ok).toBeGreaterThan(0);
  expect(r.info).toBeGreaterThan(0);
  expect(r.fail).toBeGreaterThan(0);
  expect(r.ok + r.info + r.fail).toBe(n);
  const mine = completed(client.history.slice(before));
  expect(mine).toHaveLength(n);
  // order of outcomes: a prefix of ok, then the flushed, then never posted
  const kinds = mine.map((e) => `${e.type}:${e.error ?? ''}`);
  const firstInfo = kinds.indexOf('info:IBV_WC_WR_FLUSH_ERR');
  const firstFail = kinds.indexOf('fail:IBV_QPS_ERR');
  expect(firstInfo).toBe(r.ok);
  expect(firstFail).toBe(r.ok + r.info);
  expect(new Set(kinds)).toEqual(new Set(['ok:', 'info:IBV_WC_WR_FLUSH_ERR', 'fail:IBV_QPS_ERR']));
  expect(mine.every((e) => e.rdma?.epoch === 0 && !e.rdma.repost)).toBe(true);
  // memory agrees: every ok op executed, a flushed one may have, an unposted one did not
  const executed = await target.readU64('mem', 24);
  expect(executed).toBeGreaterThanOrEqual(BigInt(r.ok));
  expect(executed).toBeLessThanOrEqual(BigInt(r.ok + r.info));
  const fe = client.events.find((e) => e.ev === 'failover');
  expect(fe).toMatchObject({ policy: 'none', toRail: null, reason: 'IBV_WC_WR_FLUSH_ERR' });
});

test('QPs are rebuilt through the controller, and counters and snapshots are readable', async () => {
  const { client, target } = pair;
  await connectPeers(client, target, { settings: FAST_FAIL });
  expect((await client.qpState(pair.link.a.get(0)!)).state).toBe('RTS');
  const r = await client.runSlice({ slice: 'again', peer: target.node, policy: 'none', ops: [{ f: 'fadd', region: 'mem', offset: 32, value: 9n }] });
  expect(r).toMatchObject({ ok: 1, rail: 0 });
  const c = await target.counters();
  const rxe0 = Object.values(c.devices)[0]!;
  for (const name of ['duplicate_request', 'retry_exceeded_err', 'out_of_seq_request', 'link_downed', 'rnr_nak_retry_err', 'rcvd_pkts'].filter((n) => n in rxe0)) {
    expect(Number.isInteger(rxe0[name])).toBe(true);
  }
  expect(rxe0.rcvd_pkts).toBeGreaterThan(0);
  expect(target.info!.counters[Object.keys(c.devices)[0]!]).toEqual(expect.arrayContaining(['duplicate_request', 'retry_exceeded_err', 'link_downed']));
});

test('receives with their bytes: SENDs with payloads of their own arrive byte for byte on the other node (recvBytes)', async () => {
  const { client, target } = pair;
  await connectPeers(client, target, { settings: FAST_FAIL, slotSize: 1024, recvBytes: true });
  const msgs = Array.from({ length: 50 }, (_, k) => Uint8Array.from({ length: k === 49 ? 700 : 40 }, (_, i) => (k * 53 + i * 7 + 1) & 0xff));
  const before = target.history.length;
  const r = await client.runSlice({ slice: 'payload-sends', peer: target.node, policy: 'none', depth: 8, ops: msgs.map((data) => ({ f: 'send' as const, data })) });
  expect(r).toMatchObject({ n: 50, ok: 50 });
  const recvs = () => target.history.slice(before).filter((e) => e.f === 'recv' && e.type === 'ok');
  const until = Date.now() + 10_000;
  while (recvs().length < msgs.length && Date.now() < until) await new Promise((ok) => setTimeout(ok, 50));
  expect(recvs().map((e) => e.result)).toEqual(msgs.map((m) => ({ bytes: Buffer.from(m).toString('hex') })));
});
