// Disk Paxos through the agent (fake binding, fast): three agents, each one disk with its
// registered region, three processors whose block WRITEs and READs go out as 32-byte payload
// ops, come back as history, and are decoded for the processors. The log they decide is
// checked by the invariants, and the disks' memory is the snapshot.
import { connectPeers, type AgentClient } from '../../agents';
import { startFakeAgent } from '../../agents/test-support';
import { BLOCK_BYTES } from './block';
import { checkDiskPaxos } from './checks';
import { DISK_REGION } from './ops';
import { diskSnapshot, driveLog, valuesPerSlot } from './test-support/drive';

const P = 3;
const SLOTS = 10;
let disks: AgentClient[] = [];

beforeAll(async () => {
  disks = await Promise.all(Array.from({ length: 3 }, async () => (await startFakeAgent()).agent));
  for (const a of disks) {
    await a.registerMemory(DISK_REGION, SLOTS * P * BLOCK_BYTES);
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
});
