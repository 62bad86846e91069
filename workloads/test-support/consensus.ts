// What the consensus workloads' real-cluster tests share: one agent per node of the shared
// SoftRoCE cluster, every pair connected (and each node to itself over a loopback QP), and the
// anchor their figures are printed against: the one-sided READ round trip on the same nodes.
import { AgentClient, connectPeers, type PeerOptions } from '../../agents';
import { FAST_FAIL } from '../../agents/test-support';
import { acquireSharedCluster, type SharedCluster } from '../../harness/cluster/test-support';
import { percentile } from '../../harness/core';

export interface ConsensusNodes {
  cluster: SharedCluster;
  agents: AgentClient[];
  stop(): Promise<void>;
}

/** three agents, a region of `bytes` on each, every pair and every loopback connected on rail 0 */
export async function consensusNodes(region: string, bytes: number, peer: PeerOptions = {}): Promise<ConsensusNodes> {
  const cluster = await acquireSharedCluster({ nodes: 3, rails: 2 });
  const agents = await Promise.all(cluster.nodes.slice(0, 3).map((node, i) => AgentClient.start({ driver: cluster.driver, node, processBase: i * 1_000_000, leaseMs: 15_000 })));
  for (const a of agents) await a.registerMemory(region, bytes);
  const o: PeerOptions = { settings: FAST_FAIL, rails: [0], ...peer };
  for (let i = 0; i < agents.length; i++) {
    await connectPeers(agents[i]!, agents[i]!, o);
    for (let j = i + 1; j < agents.length; j++) await connectPeers(agents[i]!, agents[j]!, o);
  }
  return {
    cluster,
    agents,
    stop: async () => {
      await Promise.all(agents.map((a) => a.shutdown()));
      await cluster.release();
    },
  };
}

export const median = (xs: readonly number[]): number => percentile([...xs].sort((a, b) => a - b), 0.5);
export const p99 = (xs: readonly number[]): number => percentile([...xs].sort((a, b) => a - b), 0.99);

/** p50 of 200 8-byte READs at depth 1 from `from` to `to` (ms, the agent's own timestamps) */
export async function readRoundTripMs(from: AgentClient, to: AgentClient, region: string): Promise<number> {
  const before = from.history.length;
  await from.runSlice({ slice: `rtt-${Date.now()}`, peer: to.node, policy: 'none', depth: 1, ops: Array.from({ length: 200 }, () => ({ f: 'read' as const, region, offset: 0 })) });
  const h = from.history.slice(before).filter((e) => e.f === 'read');
  const rtt: number[] = [];
  for (let k = 0; k + 1 < h.length; k += 2) rtt.push((h[k + 1]!.time! - h[k]!.time!) / 1e6);
  if (rtt.length !== 200) throw new Error(`round trip: ${rtt.length} of 200 READs came back`);
  return median(rtt);
}
