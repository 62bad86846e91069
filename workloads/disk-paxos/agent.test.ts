// Disk Paxos through the agent (fake binding, fast): three agents, each one disk with its
// registered region, three processors whose block WRITEs and READs go out as 32-byte payload
// ops, come back as history, and are decoded for the processors. The log they decide is
// checked by the invariants, and the disks' memory is the snapshot.
import { connectPeers, type AgentClient } from '../../agents';
import { startFakeAgent } from '../../agents/test-support';
import { BLOCK_BYTES } from './block';
import { checkDiskPaxos } from './checks';
import { DISK_REGION } from './ops';
import { encodeBlock } from './block';
import { recordsFromHistory, slotKey } from './history';
import { DECIDER_BASE, diskSnapshot, driveLog, inputOf, valuesPerSlot, type Driven } from './test-support';
import type { HistoryEvent } from '../../harness/core';

const P = 3;
const SLOTS = 10;
let disks: AgentClient[] = [];

beforeAll(async () => {
  disks = await Promise.all(Array.from({ length: 3 }, async () => (await startFakeAgent()).agent));
  for (const a of disks) {
    await a.registerMemory(DISK_REGION, 2 * SLOTS * P * BLOCK_BYTES);
    await connectPeers(a, a);
  }
});

afterAll(async () => {
  await Promise.all(disks.map((a) => a.shutdown()));
});

test('three processors decide ten slots over three agent disks; every invariant holds on the records and on the disks', async () => {
  // a fake agent reaches only itself: disk d's agent posts every processor's ops to disk d
  const r = await driveLog({ processors: P, disks: 3, slots: SLOTS, seed: 7, route: (_p, d) => ({ agent: disks[d - 1]!, peer: disks[d - 1]!.node }) });
  expect(r.commits.length).toBe(P * SLOTS);
  expect(valuesPerSlot(r)).toEqual(new Array(SLOTS).fill(1));
  const snapshot = await diskSnapshot(disks, P, SLOTS);
  expect(checkDiskPaxos({ ...r, snapshots: new Map([['end', snapshot]]) })).toEqual([]);
  // the reads saw real blocks: others' ballots, not only empty ones
  expect(r.reads.some((x) => x.block.mbal > 0)).toBe(true);
  driven = r;
});

let driven: Driven | undefined;
const shape = (r: Driven) => ({ processors: P, disks: 3, processorOf: (p: number) => p - DECIDER_BASE, inputs: r.inputs });

test('the history alone gives the same records, and the checks catch what is planted in it', () => {
  const r = driven!;
  const h = recordsFromHistory(r.histories, shape(r));
  expect([h.writes.length, h.reads.length, h.commits.length]).toEqual([r.writes.length, r.reads.length, r.commits.length]);
  expect(checkDiskPaxos(h)).toEqual([]);
  // the histories with the first event f rewrites rewritten
  const edit = (f: (e: HistoryEvent) => HistoryEvent | undefined): HistoryEvent[][] => {
    let done = false;
    return r.histories.map((l) =>
      l.map((e) => {
        const x = done ? undefined : f(e);
        if (x) done = true;
        return x ?? e;
      }),
    );
  };
  // the last decision of slot 3 with another processor's input: Consistent (slot 3 had one
  // value). The last, since the checks compare each commit with the slot's first
  const last = r.histories.flat().filter((e) => e.f === 'decide' && e.type === 'ok' && e.key === slotKey(3)).sort((a, b) => b.time! - a.time!)[0]!;
  const bad = edit((e) => (e.f === 'decide' && e.type === 'ok' && e.key === slotKey(3) && e.process === last.process ? { ...e, value: inputOf(3, 3) === e.value ? inputOf(1, 3) : inputOf(3, 3) } : undefined));
  expect(checkDiskPaxos(recordsFromHistory(bad, shape(r))).map((v) => [v.invariant, v.instance])).toEqual([['Consistent', 3]]);
  // a value nobody proposed: Nontrivial
  const foreign = edit((e) => (e.f === 'decide' && e.type === 'ok' && e.key === slotKey(5) ? { ...e, value: 77 } : undefined));
  expect(checkDiskPaxos(recordsFromHistory(foreign, shape(r))).map((v) => v.invariant)).toContain('Nontrivial');
  // a read of a block invoked after its owner's acknowledged write, that returns the empty
  // block: NoRegression (a read invoked before the ack may see either, so it is not the one)
  const acked = new Map<string, number>();
  const invoked = new Map<number | string, number>();
  const stale = edit((e) => {
    if (e.f === 'write' && e.type === 'ok') acked.set(String(e.key), e.time!);
    if (e.f === 'read' && e.type === 'invoke') invoked.set(e.process, e.time!);
    if (e.f === 'read' && e.type === 'ok' && acked.has(String(e.key)) && invoked.get(e.process)! > acked.get(String(e.key))!) {
      const [, slot, owner] = /^disk@\d+:(\d+)\/(\d+)$/.exec(String(e.key))!.map(Number);
      return { ...e, result: { bytes: encodeBlock({ mbal: 0, bal: 0, inp: 0 }, slot!, owner!).toString('hex') } };
    }
    return undefined;
  });
  expect(checkDiskPaxos(recordsFromHistory(stale, shape(r))).map((v) => v.invariant)).toContain('NoRegression');
});

test('processors that crash mid-slot and restart (a new incarnation reads its own block back first) stay safe and still decide', async () => {
  const slots = { firstSlot: SLOTS + 1, slots: SLOTS };
  const r = await driveLog({ processors: P, disks: 3, ...slots, seed: 21, crash: 0.08, route: (_p, d) => ({ agent: disks[d - 1]!, peer: disks[d - 1]!.node }) });
  const restarts = [...r.incarnations.values()].reduce((n, l) => n + l.length - 1, 0);
  expect(restarts).toBeGreaterThan(3);
  expect(r.commits.length).toBe(P * SLOTS);
  expect(valuesPerSlot(r)).toEqual(new Array(SLOTS).fill(1));
  expect(checkDiskPaxos({ ...r, snapshots: new Map([['end', await diskSnapshot(disks, P, 2 * SLOTS)]]) })).toEqual([]);
  expect(checkDiskPaxos(recordsFromHistory(r.histories, { ...shape(r), incarnations: r.incarnations }))).toEqual([]);
});
