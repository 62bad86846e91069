// Disk Paxos through the agent (fake binding, fast): three agents, each one disk with its
// registered region, three processors whose block WRITEs and READs go out as 32-byte payload
// ops, come back as history, and are decoded for the processors. The log they decide is
// checked by the invariants, and the disks' memory is the snapshot.
import { connectPeers, type AgentClient, type OpDescriptor } from '../../agents';
import { startFakeAgent } from '../../agents/test-support';
import { mulberry32, type HistoryEvent } from '../../harness/core';
import { BLOCK_BYTES, decodeBlock, type Block } from './block';
import { checkDiskPaxos, type DiskRead, type DiskWrite, type SnapshotBlock } from './checks';
import { DISK_REGION, toAgentOp, toDiskResult } from './ops';
import { Processor, type DiskOp } from './processor';

const P = 3;
const DISKS = 3;
const SLOTS = 10;
let disks: AgentClient[] = [];

beforeAll(async () => {
  disks = await Promise.all(Array.from({ length: DISKS }, async () => (await startFakeAgent()).agent));
  for (const a of disks) {
    await a.registerMemory(DISK_REGION, SLOTS * P * BLOCK_BYTES);
    await connectPeers(a, a);
  }
});

afterAll(async () => {
  await Promise.all(disks.map((a) => a.shutdown()));
});

test('three processors decide ten slots over three agent disks; every invariant holds on the records and on the disks', async () => {
  const rnd = mulberry32(7);
  const input = (p: number) => (slot: number) => p * 1000 + slot;
  const procs = Array.from({ length: P }, (_, i) => new Processor({ id: i + 1, processors: P, disks: DISKS, input: input(i + 1) }));
  const pending = procs.map((p) => p.begin(1));
  const writes: DiskWrite[] = [];
  const reads: DiskRead[] = [];
  const commits: { processor: number; instance: number; ballot: number; value: number; source: string }[] = [];
  let slice = 0;
  for (let step = 0; step < 3000 && commits.length < P * SLOTS; step++) {
    // a random subset of the processors moves each step: dueling ballots settle
    const movers = procs.map((_, i) => i).filter((i) => pending[i]!.length > 0 && rnd() < 0.6);
    const batch: { p: number; op: DiskOp }[] = movers.flatMap((i) => pending[i]!.splice(0).map((op) => ({ p: i, op })));
    const results = await Promise.all(
      Array.from({ length: DISKS }, async (_, d) => {
        const mine = batch.filter((b) => b.op.disk === d + 1);
        if (mine.length === 0) return [];
        const a = disks[d]!;
        const before = a.history.length;
        await a.runSlice({ slice: `s${slice++}`, peer: a.node, policy: 'none', ops: mine.map((b): OpDescriptor => toAgentOp(b.op, P)) });
        const done = a.history.slice(before).filter((e: HistoryEvent) => e.type !== 'invoke' && e.f !== 'recv');
        expect(done).toHaveLength(mine.length);
        return mine.map((b, k) => ({ ...b, done: done[k]! }));
      }),
    );
    for (const { p, op, done } of results.flat()) {
      const r = toDiskResult(op, done);
      const source = `disk${op.disk} ${done.type} ${String(done.key)}`;
      if (op.kind === 'write') writes.push({ owner: op.owner, disk: op.disk, instance: op.instance, block: op.block, incarnation: 0, ...(r.status === 'ok' ? { acked: done.time! } : {}), source });
      else if (r.status === 'ok' && r.block !== 'torn') reads.push({ owner: op.owner, disk: op.disk, instance: op.instance, block: r.block!, invoked: done.time!, source });
      const proc = procs[p]!;
      pending[p]!.push(...proc.onResult(r));
      if (proc.committed && proc.stage === 'committed') {
        commits.push({ processor: p + 1, instance: proc.instance, ballot: proc.committed.ballot, value: proc.committed.value, source: `processor ${p + 1}` });
        if (proc.instance < SLOTS) pending[p]!.push(...proc.begin(proc.instance + 1));
        else proc.stage = 'idle';
      }
    }
  }
  // every processor committed every slot, and all agree
  expect(commits.length).toBe(P * SLOTS);
  const decided = new Map<number, Set<number>>();
  for (const c of commits) (decided.get(c.instance) ?? decided.set(c.instance, new Set()).get(c.instance)!).add(c.value);
  expect([...decided.values()].map((s) => s.size)).toEqual(new Array(SLOTS).fill(1));
  // the disks' memory as the end snapshot: what the processors wrote, byte for byte
  const snapshot: SnapshotBlock[] = [];
  for (let d = 0; d < DISKS; d++) {
    const mem = await disks[d]!.readMemory(DISK_REGION, 0, SLOTS * P * BLOCK_BYTES);
    for (let slot = 1; slot <= SLOTS; slot++) {
      for (let owner = 1; owner <= P; owner++) {
        const at = ((slot - 1) * P + owner - 1) * BLOCK_BYTES;
        const b = decodeBlock(mem.subarray(at, at + BLOCK_BYTES), slot, owner);
        expect(typeof b).toBe('object');
        snapshot.push({ disk: d + 1, instance: slot, owner, block: b as Block });
      }
    }
  }
  const inputs = procs.flatMap((_, i) => Array.from({ length: SLOTS }, (_, s) => ({ processor: i + 1, instance: s + 1, value: input(i + 1)(s + 1) })));
  const violations = checkDiskPaxos({ processors: P, disks: DISKS, inputs, commits, writes, reads, incarnations: new Map(), snapshots: new Map([['end', snapshot]]) });
  expect(violations).toEqual([]);
  // and the reads saw real blocks: others' ballots, not only empty ones
  expect(reads.some((r) => r.block.mbal > 0)).toBe(true);
});
