// The RPC end to end with the fake binding (fast): ops through a loopback QP, results against
// memory, history events that satisfy the one schema, and errors with stable codes.
import { connectPeers, type AgentClient } from '.';
import { HistoryEvent } from '../harness/core';
import { startFakeAgent } from './test-support';
import { u64Json } from './wire';

let agent: AgentClient;

beforeAll(async () => {
  agent = (await startFakeAgent()).agent;
  await agent.registerMemory('mem', 4096);
  await connectPeers(agent, agent);
});

afterAll(async () => {
  await agent.shutdown();
});

test('hello reports the rails with their GIDs and counters', () => {
  expect(agent.info?.node).toBe('n1');
  expect(agent.info?.binding).toBe('fake');
  expect(agent.info?.rails.map((r) => [r.rail, r.device, r.gidIndex])).toEqual([[0, 'rxe0', 1], [1, 'rxe1', 1]]);
  expect(agent.clock.synced).toBe(true);
});

test('ops execute against remote memory and come back as schema-valid history', async () => {
  const r = await agent.runSlice({
    slice: 'basic',
    peer: 'n1',
    policy: 'none',
    ops: [
      { f: 'fadd', region: 'mem', offset: 0, value: 5n },
      { f: 'fadd', region: 'mem', offset: 0, value: 7n },
      { f: 'cas', region: 'mem', offset: 8, expect: 0n, value: (1n << 63n) + 1n },
      { f: 'cas', region: 'mem', offset: 8, expect: 0n, value: 3n },
      { f: 'write', region: 'mem', offset: 16, value: 1234n },
      { f: 'read', region: 'mem', offset: 16 },
      { f: 'send', value: 42n },
    ],
  });
  expect(r).toMatchObject({ n: 7, ok: 7, info: 0, fail: 0, failovers: 0, epoch: 0 });
  expect(await agent.readU64('mem', 0)).toBe(12n);
  expect(await agent.readU64('mem', 8)).toBe((1n << 63n) + 1n);
  expect(await agent.readU64('mem', 16)).toBe(1234n);
  await new Promise((ok) => setTimeout(ok, 150)); // the recv batch flushes every 50 ms
  for (const e of agent.history) expect(HistoryEvent.safeParse(e).success).toBe(true);
  const done = agent.history.filter((e) => e.type !== 'invoke' && e.f !== 'recv');
  expect(done.map((e) => [e.f, e.type, e.result])).toEqual([
    ['fadd', 'ok', 0],
    ['fadd', 'ok', 5],
    ['cas', 'ok', 0],
    // the second CAS saw the first one's value: a value beyond 2^53 stays exact as a string
    ['cas', 'ok', '9223372036854775809'],
    ['write', 'ok', undefined],
    ['read', 'ok', 1234],
    ['send', 'ok', undefined],
  ]);
  const recv = agent.history.filter((e) => e.f === 'recv');
  expect(recv.map((e) => [e.type, e.key, e.result])).toEqual([['invoke', 'n1->n1', undefined], ['ok', 'n1->n1', 42]]);
  // one process never has two ops open at once
  const open = new Set<number | string>();
  for (const e of agent.history) {
    if (e.type === 'invoke') {
      expect(open.has(e.process)).toBe(false);
      open.add(e.process);
    } else open.delete(e.process);
  }
});

test('payloads of their own: a 32-byte write lands byte for byte, a read asking for its bytes gets them, and both show as {bytes} in the history', async () => {
  const block = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
  const hex = Buffer.from(block).toString('hex');
  const before = agent.history.length;
  const r = await agent.runSlice({
    slice: 'payload',
    peer: 'n1',
    policy: 'none',
    ops: [
      { f: 'write', region: 'mem', offset: 256, data: block },
      { f: 'read', region: 'mem', offset: 256, len: 32, data: true },
      { f: 'read', region: 'mem', offset: 264 },
      { f: 'read', region: 'mem', offset: 272, len: 16, data: true },
    ],
  });
  expect(r).toMatchObject({ n: 4, ok: 4 });
  expect((await agent.readMemory('mem', 256, 32)).toString('hex')).toBe(hex);
  const done = agent.history.slice(before).filter((e) => e.type !== 'invoke');
  for (const e of done) expect(HistoryEvent.safeParse(e).success).toBe(true);
  expect(done.map((e) => [e.f, e.value, e.result])).toEqual([
    ['write', { bytes: hex }, undefined],
    ['read', undefined, { bytes: hex }],
    ['read', undefined, u64Json(Buffer.from(block).readBigUInt64LE(8))],
    ['read', undefined, { bytes: hex.slice(32, 64) }],
  ]);
  // a payload is the whole op: no value beside it, its length is its own
  await expect(agent.runSlice({ slice: 'x', peer: 'n1', policy: 'none', ops: [{ f: 'write', region: 'mem', offset: 0, data: block, len: 8 }] })).rejects.toThrow(/len 8 is not the length of its data/);
  await expect(agent.runSlice({ slice: 'x', peer: 'n1', policy: 'none', ops: [{ f: 'fadd', region: 'mem', offset: 0, data: true }] })).rejects.toThrow(/data is a write's or send's payload/);
});

test('a bad request gets agent.badRequest, a bad op slice.badOp, and the agent lives on', async () => {
  await expect(agent.call('readMemory', { region: 'mem', offset: -1, length: 8 } as never)).rejects.toMatchObject({ code: 'agent.badRequest' });
  await expect(agent.runSlice({ slice: 'bad', peer: 'n1', policy: 'none', ops: [{ f: 'read', region: 'nope', offset: 0 }] })).rejects.toMatchObject({ code: 'slice.badOp' });
  await expect(agent.runSlice({ slice: 'far', peer: 'n1', policy: 'none', ops: [{ f: 'read', region: 'mem', offset: 4096 }] })).rejects.toMatchObject({ code: 'slice.badOp' });
  await expect(agent.readMemory('mem', 4090, 8)).rejects.toMatchObject({ code: 'agent.outOfRange' });
  expect((await agent.call('time', {})).monotonicNs).toMatch(/^\d+$/);
});

test('a QP broken while idle: replay moves the slice to the other rail, none fails it unposted', async () => {
  expect((await agent.forceQpError('n1>n1:0')).state).toBe('ERR');
  const moved = await agent.runSlice({ slice: 'idle-broken', peer: 'n1', policy: 'replay', ops: [{ f: 'fadd', region: 'mem', offset: 32, value: 1n }] });
  expect(moved).toMatchObject({ ok: 1, failovers: 1, epoch: 1, rail: 1 });
  expect(agent.events.filter((e) => e.ev === 'failover').pop()).toMatchObject({ fromRail: 0, toRail: 1, unresolved: 0, reason: 'IBV_QPS_ERR' });

  expect((await agent.forceQpError('n1>n1:1')).state).toBe('ERR');
  const before = agent.history.length;
  const r = await agent.runSlice({ slice: 'all-broken', peer: 'n1', policy: 'none', ops: [{ f: 'fadd', region: 'mem', offset: 32, value: 1n }, { f: 'read', region: 'mem', offset: 32 }] });
  expect(r).toMatchObject({ ok: 0, info: 0, fail: 2 });
  // never posted: fail is the honest outcome, and the memory agrees
  expect(agent.history.slice(before).filter((e) => e.type !== 'invoke').map((e) => [e.type, e.error])).toEqual([['fail', 'IBV_QPS_ERR'], ['fail', 'IBV_QPS_ERR']]);
  expect(await agent.readU64('mem', 32)).toBe(1n);
});
