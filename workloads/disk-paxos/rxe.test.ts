// Disk Paxos on real SoftRoCE: three nodes, each a memory node with its disk (a registered
// region) and a processor. Processor p's block WRITEs and READs go from node p's agent to the
// disks as 32-byte RDMA ops (its own disk over a loopback QP). Fifty slots are decided; the
// records and the three disks' memory satisfy every invariant. The figures (commit latency
// against the one-sided READ round trip on the same nodes) are printed, not asserted.
import { consensusNodes, median, p99, readRoundTripMs, type ConsensusNodes } from '../test-support';
import { BLOCK_BYTES } from './block';
import { checkDiskPaxos } from './checks';
import { recordsFromHistory } from './history';
import { DISK_REGION } from './ops';
import { DECIDER_BASE, diskSnapshot, driveLog, inputOf, valuesPerSlot } from './test-support';

jest.setTimeout(20 * 60_000);

const P = 3;
const SLOTS = 50;
const LEADER_SLOTS = 20;
let nodes: ConsensusNodes;
let agents: ConsensusNodes['agents'] = [];

beforeAll(async () => {
  nodes = await consensusNodes(DISK_REGION, (SLOTS + LEADER_SLOTS) * P * BLOCK_BYTES);
  agents = nodes.agents;
}, 75 * 60_000);

afterAll(async () => {
  await nodes?.stop();
});

test('three processors decide 50 slots over three memory nodes; every invariant holds on the records and on the disks', async () => {
  const t0 = Date.now();
  const r = await driveLog({ processors: P, disks: 3, slots: SLOTS, seed: 11, route: (p, d) => ({ agent: agents[p - 1]!, peer: agents[d - 1]!.node }) });
  const ms = Date.now() - t0;
  expect(r.commits.length).toBe(P * SLOTS);
  expect(valuesPerSlot(r)).toEqual(new Array(SLOTS).fill(1));
  const snapshot = await diskSnapshot(agents, P, SLOTS);
  expect(checkDiskPaxos({ ...r, snapshots: new Map([['end', snapshot]]) })).toEqual([]);
  expect(r.reads.some((x) => x.block.mbal > 0)).toBe(true);
  // the same verdict from the recorded history alone
  const fromHistory = recordsFromHistory(r.histories, { processors: P, disks: 3, processorOf: (p) => p - DECIDER_BASE, inputs: r.inputs });
  expect([fromHistory.writes.length, fromHistory.reads.length, fromHistory.commits.length]).toEqual([r.writes.length, r.reads.length, r.commits.length]);
  expect(checkDiskPaxos(fromHistory)).toEqual([]);

  // a stable leader: processor 1 alone decides the next 20 slots, its own inputs, no aborts
  const lead = await driveLog({ processors: P, disks: 3, slots: LEADER_SLOTS, firstSlot: SLOTS + 1, seed: 12, proposers: [1], route: (p, d) => ({ agent: agents[p - 1]!, peer: agents[d - 1]!.node }) });
  expect(lead.commits.map((c) => [c.processor, c.instance, c.value])).toEqual(Array.from({ length: LEADER_SLOTS }, (_, s) => [1, SLOTS + 1 + s, inputOf(1, SLOTS + 1 + s)]));
  expect(checkDiskPaxos({ ...lead, snapshots: new Map([['end', await diskSnapshot(agents, P, SLOTS + LEADER_SLOTS)]]) })).toEqual([]);

  // the anchor: one-sided 8-byte READs at depth 1, node1 -> node2, on the same QPs
  const rttMs = await readRoundTripMs(agents[0]!, agents[1]!, DISK_REGION);
  const commitP50 = median(r.commitMs);
  process.stderr.write(
    `disk-paxos on rxe: ${SLOTS} slots x ${P} processors in ${(ms / 1000).toFixed(1)} s (${((P * SLOTS) / (ms / 1000)).toFixed(1)} commits/s, ${r.steps} steps); ` +
      `commit latency p50 ${commitP50.toFixed(1)} ms, p99 ${p99(r.commitMs).toFixed(1)} ms; stable leader p50 ${median(lead.commitMs).toFixed(1)} ms (${lead.steps} steps for ${LEADER_SLOTS} slots); ` +
      `READ round trip p50 ${rttMs.toFixed(2)} ms: p50 commit = ${(commitP50 / rttMs).toFixed(1)} round trips, ${(median(lead.commitMs) / rttMs).toFixed(1)} with a stable leader ` +
      `(each step is a controller -> agent RPC: the processors run in the controller)\n`,
  );
});
