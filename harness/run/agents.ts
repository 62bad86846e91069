// Starting the agents of a run and wiring them: memory on each workload's target, one RC QP
// pair per rail between each client and its target (set up through the controller).
import { AgentClient, connectPeers, type PeerOptions, type QpSettingsWire } from '../../agents';
import { workloadPackage } from '../../workloads';
import type { RunPlan } from '../campaign';
import { InputError, type HistoryEvent, type NodeDriver, type TargetInfo } from '../core';

export interface StartedAgents {
  agents: Map<string, AgentClient>;
  targets: Map<string, TargetInfo>;
}

export interface AgentHooks {
  history(node: string, events: HistoryEvent[], uncertaintyNs: number): void;
  log(node: string, line: string): void;
}

/** a disjoint range of history process ids per agent */
export const PROCESS_SPAN = 1_000_000;

export async function startAgents(driver: NodeDriver, plan: RunPlan, hooks: AgentHooks, leaseMs: number): Promise<StartedAgents> {
  const listed = await driver.list();
  for (const n of plan.nodes) {
    if (!listed.some((l) => l.name === n)) throw new InputError('run.unknownNode', `node ${n} is not in the cluster (it has ${listed.map((l) => l.name).join(', ') || 'no nodes'})`);
  }
  const agents = new Map<string, AgentClient>();
  try {
    await Promise.all(
      plan.nodes.map(async (node, i) => {
        agents.set(node, await startAgent(driver, node, (i + 1) * PROCESS_SPAN, hooks, leaseMs));
      }),
    );
  } catch (e) {
    await Promise.all([...agents.values()].map((c) => c.shutdown().catch(() => undefined)));
    throw e;
  }
  const targets = new Map<string, TargetInfo>();
  const railsOf = (name: string): TargetInfo['rails'] => {
    const l = listed.find((x) => x.name === name)!;
    const info = agents.get(name)?.info;
    return l.rails.slice(0, plan.campaign.cluster.rails).map((r) => ({
      rail: r.index,
      netdev: r.netdev,
      ip: r.address.split('/')[0]!,
      device: info?.rails.find((x) => x.rail === r.index)?.device ?? r.rdmaDevice ?? `rxe${r.index}`,
    }));
  };
  for (const n of plan.nodes) {
    targets.set(n, { node: n, rails: railsOf(n), peers: plan.nodes.filter((m) => m !== n).map((m) => ({ node: m, rails: railsOf(m) })) });
  }
  return { agents, targets };
}

/** one agent, its history and events going to the run's hooks */
export async function startAgent(driver: NodeDriver, node: string, processBase: number, hooks: AgentHooks, leaseMs: number): Promise<AgentClient> {
  const c = await AgentClient.start({ driver, node, processBase, leaseMs });
  c.on('history', (events: HistoryEvent[]) => hooks.history(node, events, c.clock.uncertaintyNs));
  c.on('event', (ev: { ev: string }) => hooks.log(node, JSON.stringify(ev)));
  return c;
}

export function qpSettings(plan: RunPlan): QpSettingsWire {
  const q = plan.campaign.qp;
  return { timeout: q.timeout, retryCnt: q.retry_cnt, rnrRetry: q.rnr_retry, maxRdAtomic: q.max_rd_atomic, maxDestRdAtomic: 128, minRnrTimer: q.min_rnr_timer };
}

/** registers each target's regions, then connects every client to its target on every rail */
export async function wireWorkloads(plan: RunPlan, agents: ReadonlyMap<string, AgentClient>): Promise<void> {
  for (const w of plan.workloads) {
    for (const peer of w.peers) {
      const target = agents.get(peer)!;
      for (const [region, size] of Object.entries(w.regions)) {
        if (!target.regions.has(region)) await target.registerMemory(region, Math.max(8, Math.ceil(size / 8) * 8));
      }
    }
  }
  const done = new Set<string>();
  for (const w of plan.workloads) for (const client of w.clients) await connectPair(plan, w, client, agents, done);
}

/** connects a (restarted) client's agent to the peers of every workload it runs */
export async function wireClient(plan: RunPlan, client: string, agents: ReadonlyMap<string, AgentClient>): Promise<void> {
  const done = new Set<string>();
  for (const w of plan.workloads) if (w.clients.includes(client)) await connectPair(plan, w, client, agents, done);
}

async function connectPair(plan: RunPlan, w: RunPlan['workloads'][number], client: string, agents: ReadonlyMap<string, AgentClient>, done: Set<string>): Promise<void> {
  for (const [from, peer] of w.links) {
    if (from !== client) continue;
    const pair = `${client}>${peer}`;
    if (done.has(pair)) continue;
    done.add(pair);
    // a client that is its own peer (a Disk Paxos processor and its node's disk): one loopback QP per rail
    await connectPeers(agents.get(client)!, agents.get(peer)!, peerOptions(plan, w));
  }
}

/** new QPs on every rail between a workload's client agent and its target (or another of its peers), replacing broken ones */
export async function reconnectClient(plan: RunPlan, w: RunPlan['workloads'][number], client: AgentClient, agents: ReadonlyMap<string, AgentClient>, peer = w.target): Promise<void> {
  const target = agents.get(peer);
  if (!target) throw new Error(`no agent on ${peer}`);
  await connectPeers(client, target, peerOptions(plan, w));
}

function peerOptions(plan: RunPlan, w: RunPlan['workloads'][number]): PeerOptions {
  return {
    rails: Array.from({ length: plan.campaign.cluster.rails }, (_, i) => i),
    settings: qpSettings(plan),
    sendDepth: Math.min(4096, w.spec.depth * w.spec.concurrency * 2),
    recvDepth: workloadPackage(w.spec.workload).recvDepth?.(w.spec) ?? 0,
    ...(workloadPackage(w.spec.workload).ownPairs ? { ownPair: true } : {}),
    ...(workloadPackage(w.spec.workload).recvBytes ? { recvBytes: true } : {}),
  };
}
