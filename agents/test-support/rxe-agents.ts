// Two agents on the real SoftRoCE cluster: a client node that runs slices and a target node
// that holds the registered memory, connected on both rails.
import type { NodeDriver } from '../../harness/core';
import type { HistoryEvent } from '../../harness/core';
import { AgentClient } from '../client';
import { connectPeers, type PeerLink, type PeerOptions } from '../peers';
import type { RxeCluster } from './rxe-cluster';

export interface AgentPair {
  client: AgentClient;
  target: AgentClient;
  link: PeerLink;
  stop(): Promise<void>;
}

/**
 * RC settings that give up on a dead path in about 1 s (rxe treats retryCnt 7 as forever).
 * timeout 14 (67 ms) fails in ~0.3 s, but then a TCG guest stalled for 0.3 s by a busy host
 * fails a healthy rail too; 268 ms x 3 retries rides out such stalls.
 */
export const FAST_FAIL = { retryCnt: 3, timeout: 16 } as const;

export async function startPair(
  cluster: RxeCluster,
  o: { regionBytes?: number; leaseMs?: number; peer?: PeerOptions } = {},
): Promise<AgentPair> {
  const [targetNode, clientNode] = cluster.nodes as [string, string];
  const [target, client] = await Promise.all([
    AgentClient.start({ driver: cluster.driver, node: targetNode, processBase: 1_000_000, leaseMs: o.leaseMs ?? 10_000 }),
    AgentClient.start({ driver: cluster.driver, node: clientNode, processBase: 0, leaseMs: o.leaseMs ?? 10_000 }),
  ]);
  await target.registerMemory('mem', o.regionBytes ?? 1 << 16);
  const link = await connectPeers(client, target, { settings: FAST_FAIL, slotSize: 1024, ...o.peer });
  return {
    client,
    target,
    link,
    stop: async () => {
      await Promise.all([client.shutdown(), target.shutdown()]);
    },
  };
}

/** completions (not invokes) of one f, in arrival order */
export function completed(h: readonly HistoryEvent[], f?: string): HistoryEvent[] {
  return h.filter((e) => e.type !== 'invoke' && (f === undefined || e.f === f));
}

/** wait until a rail's port is ACTIVE again on a node (after a cable is restored) */
export async function waitPortActive(driver: NodeDriver, node: string, device: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await driver.exec(node, ['rdma', 'link', 'show', `${device}/1`]);
    if (/state ACTIVE/.test(r.stdout)) return;
    if (Date.now() > end) throw new Error(`${node}: ${device} not ACTIVE after ${ms} ms: ${r.stdout.trim()}`);
    await new Promise((ok) => setTimeout(ok, 250));
  }
}
