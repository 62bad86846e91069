// Paxos over real SEND/RECV on SoftRoCE: three nodes, each an acceptor and a proposer. Every
// prepare, promise, accept and accepted is one 40-byte RDMA SEND into a posted RECV, received
// with its bytes (its own node's over a loopback QP); the roles' rules run in the controller.
// Thirty slots are decided by three dueling proposers; I1, I2, Agreement and Validity hold.
// The figures (commit latency against the one-sided READ round trip) are printed, not asserted.
import { consensusNodes, median, p99, readRoundTripMs, type ConsensusNodes } from '../test-support';
import { checkPaxos } from './checks';
import { drivePaxos } from './test-support';

jest.setTimeout(20 * 60_000);

const SLOTS = 30;
let nodes: ConsensusNodes;

beforeAll(async () => {
  // the READ anchor needs a region; the messages need receives with their bytes
  nodes = await consensusNodes('anchor', 4096, { recvBytes: true, recvDepth: 128 });
}, 75 * 60_000);

afterAll(async () => {
  await nodes?.stop();
});

test('three proposers decide 30 slots over three acceptors by RDMA SENDs; every invariant holds', async () => {
  const t0 = Date.now();
  const r = await drivePaxos({ agents: nodes.agents, proposers: 3, acceptors: 3, slots: SLOTS, seed: 5 });
  const ms = Date.now() - t0;
  expect(r.decided.length).toBe(3 * SLOTS);
  expect(checkPaxos(r)).toEqual([]);
  // every message sent arrived (no faults here); each proposer's slot takes 12 at least
  expect(r.received).toBe(r.sent);
  expect(r.sent).toBeGreaterThanOrEqual(3 * SLOTS * 12);
  const rttMs = await readRoundTripMs(nodes.agents[0]!, nodes.agents[1]!, 'anchor');
  const p50 = median(r.commitMs);
  process.stderr.write(
    `paxos on rxe: ${SLOTS} slots x 3 proposers in ${(ms / 1000).toFixed(1)} s, ${r.sent} SENDs, ${r.steps} steps; commit latency p50 ${p50.toFixed(1)} ms, p99 ${p99(r.commitMs).toFixed(1)} ms; ` +
      `READ round trip p50 ${rttMs.toFixed(2)} ms: p50 commit = ${(p50 / rttMs).toFixed(1)} round trips (each step is a controller -> agent RPC: the roles run in the controller)\n`,
  );
});
