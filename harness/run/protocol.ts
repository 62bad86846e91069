// A protocol workload's run: the package drives its roles (drive) and this posts their ops, one
// slice per call, from a client node's agent to a peer, under the campaign's policy and op
// timeout. It does for them what a worker does for generators: a QP that broke gets new ones
// (at most once a second), a crashed client node's ops come back info and its next agent
// takes over. Everything goes into the history through the agents, as for any workload.
import type { AgentClient, OpDescriptor, Policy } from '../../agents';
import { ownProcess, workloadPackage, type DriveContext } from '../../workloads';
import type { PlannedWorkload } from '../campaign';
import type { HistoryEvent } from '../core';
import type { WorkerStats } from './workers';

export interface ProtocolOptions {
  w: PlannedWorkload;
  seed: number;
  agents: ReadonlyMap<string, AgentClient>;
  policy: Policy;
  opTimeoutMs: number;
  deadline(): number;
  signal: AbortSignal;
  log(line: string): void;
  record(events: HistoryEvent[]): void;
  now(): number;
  /** the agent on `node` died: its next one, or undefined */
  nextAgent(node: string, dead: AgentClient): Promise<AgentClient | undefined>;
  /** new QPs from `agent` to `peer` on every rail; absent under policy none */
  reconnect?(agent: AgentClient, peer: string): Promise<void>;
  /** calls `l` after each fault change, with its label ("f1@start") */
  onBoundary?(l: (label: string) => void): void;
}

const RECONNECT_GAP_MS = 1000;

const sleep = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

export async function runProtocol(o: ProtocolOptions): Promise<WorkerStats> {
  const { w } = o;
  const pkg = workloadPackage(w.spec.workload);
  const stats: WorkerStats = { workload: w.spec.workload, node: w.clients.join('+'), slices: 0, ops: 0, ok: 0, info: 0, fail: 0, failovers: 0 };
  const current = new Map(w.clients.map((n) => [n, o.agents.get(n)!]));
  const lastReconnect = new Map<string, number>();
  /** client nodes whose agent died with no successor */
  const gone = new Set<string>();
  const going = (): boolean => !o.signal.aborted && Date.now() < o.deadline();

  // One QP pair per node pair and rail serves both directions (node1's processor writing
  // node2's disk, and node2's writing node1's): new QPs for a pair wait until neither side runs
  // a slice over it, and no slice starts on it meanwhile.
  const pairs = new Map<string, { active: number; rebuilding?: Promise<void> }>();
  const pairOf = (a: string, b: string): { active: number; rebuilding?: Promise<void> } => {
    const k = [a, b].sort().join('|');
    return pairs.get(k) ?? pairs.set(k, { active: 0 }).get(k)!;
  };
  const rebuild = (node: string, peer: string): void => {
    const pair = pairOf(node, peer);
    if (pair.rebuilding) return;
    pair.rebuilding = (async () => {
      // as a worker does: at most once a second, and new QPs only if the policy recovers at all
      const wait = (lastReconnect.get(`${node}>${peer}`) ?? 0) + RECONNECT_GAP_MS - Date.now();
      if (wait > 0) await sleep(wait);
      while (pair.active > 0) await sleep(20);
      lastReconnect.set(`${node}>${peer}`, Date.now());
      if (o.reconnect && going()) await o.reconnect(current.get(node)!, peer).catch((e: unknown) => o.log(`workload ${w.spec.workload}@${node}: reconnecting to ${peer} failed: ${(e as Error).message}`));
    })().finally(() => (pair.rebuilding = undefined));
  };

  // the agents that registered the workload's memory: a peer whose agent is another one now
  // restarted, and that memory died with the old one (a failed disk, on memoryMayDie)
  const holders = new Map(w.peers.map((p) => [p, o.agents.get(p)]));
  const memoryDied = (peer: string): boolean => Object.keys(w.regions).length > 0 && o.agents.get(peer) !== holders.get(peer);
  const died = new Set<string>();

  async function post(node: string, peer: string, ops: OpDescriptor[]): ReturnType<DriveContext['post']> {
    const agent = current.get(node);
    if (!agent) throw new Error(`${w.spec.workload}: ${node} is not one of its clients`);
    if (memoryDied(peer)) {
      if (!died.has(peer)) o.log(`workload ${w.spec.workload}: ${peer}'s memory died with its agent: ops on it fail from now on, unposted`);
      died.add(peer);
      await sleep(RECONNECT_GAP_MS);
      return unposted(ops);
    }
    const pair = pairOf(node, peer);
    while (pair.rebuilding) await pair.rebuilding;
    const before = agent.history.length;
    let usable = true;
    pair.active++;
    try {
      const r = await agent.runSlice({ slice: `w${w.index}-${node}-${peer}-${stats.slices++}`, peer, policy: o.policy, ops, depth: Math.min(4096, w.spec.depth), rate: w.spec.rate, opTimeoutMs: o.opTimeoutMs });
      stats.failovers += r.failovers;
      usable = r.usable;
    } catch (e: unknown) {
      const code = (e as { code?: string }).code;
      if (code === 'slice.noConnection') {
        // nothing was posted: every op failed; new QPs are due
        usable = false;
        pair.active--;
        rebuild(node, peer);
        await sleep(RECONNECT_GAP_MS);
        return unposted(ops);
      }
      if (code !== 'agent.gone') {
        pair.active--;
        throw e;
      }
      const next = await o.nextAgent(node, agent);
      // every lane of the node's sees the loss; the first to move on counts the new incarnation
      if (next && current.get(node) === agent) {
        o.log(`workload ${w.spec.workload}@${node}: its agent was lost (${(e as Error).message}); continuing on the node's new agent`);
        current.set(node, next);
        incarnations.set(node, (incarnations.get(node) ?? 0) + 1);
      } else if (!next) gone.add(node);
    }
    pair.active--;
    const out = completions(agent.history.slice(before), ops);
    for (const c of out) stats[c.done.type === 'ok' ? 'ok' : c.done.type === 'fail' ? 'fail' : 'info']++;
    stats.ops += ops.length;
    if (!usable) rebuild(node, peer);
    // a node that is gone for good answers at once, info: its processor must not spin on it
    if (gone.has(node)) await sleep(RECONNECT_GAP_MS);
    return out;
  }

  // each agent's history is read once, from where the last call stopped
  const cursors = new Map<AgentClient, number>();
  const incarnations = new Map<string, number>();
  const received = (node: string): HistoryEvent[] => {
    const agent = current.get(node) ?? o.agents.get(node);
    if (!agent) return [];
    const from = cursors.get(agent) ?? 0;
    const h = agent.history;
    cursors.set(agent, h.length);
    const out: HistoryEvent[] = [];
    for (let i = from; i < h.length; i++) if (h[i]!.f === 'recv' && h[i]!.type === 'ok') out.push(h[i]!);
    return out;
  };

  const ctx: DriveContext = {
    seed: o.seed,
    clients: w.clients,
    peers: w.peers,
    post,
    received,
    incarnation: (node) => incarnations.get(node) ?? 0,
    onFaultBoundary(cb) {
      // the package's snapshot runs beside the schedule, never holding it up; one that fails is logged
      o.onBoundary?.((label) => void Promise.resolve().then(() => cb(label)).catch((e: unknown) => o.log(`workload ${w.spec.workload}: no snapshot at ${label}: ${(e as Error).message}`)));
    },
    async readMemory(peer, region, offset, length) {
      if (memoryDied(peer)) throw new Error(`${peer}'s memory died with its agent`);
      const a = o.agents.get(peer);
      if (!a) throw new Error(`no agent on ${peer}`);
      return a.readMemory(region, offset, length);
    },
    record: o.record,
    now: o.now,
    process: (k) => ownProcess(w.index, k),
    going,
    log: o.log,
  };
  if (!pkg.drive) throw new Error(`workload ${w.spec.workload} is not a protocol workload (no drive)`);
  try {
    o.log(`workload ${w.spec.workload}: ${await pkg.drive(w.spec, ctx)}`);
  } catch (e: unknown) {
    stats.error = (e as Error).message;
    o.log(`workload ${w.spec.workload}: ${stats.error}`);
  }
  return stats;
}

/** ops that were never posted: each one failed, provably without effect */
function unposted(ops: OpDescriptor[]): Completion[] {
  const t = Number(process.hrtime.bigint());
  return ops.map((op) => ({ done: { type: 'fail', process: -1, f: op.f, key: op.key ?? '', time: t }, invoked: t, completed: t }));
}

type Completion = { done: HistoryEvent; invoked: number; completed: number };

/**
 * Each op's completion from the agent's events of its slice, matched by key in op order (a
 * protocol's ops in one slice touch distinct keys); an op the agent never reported (its node
 * died) is info: its outcome is unknown.
 */
function completions(events: HistoryEvent[], ops: OpDescriptor[]): { done: HistoryEvent; invoked: number; completed: number }[] {
  const invokes = new Map<number | string, HistoryEvent>();
  const byKey = new Map<string, { done: HistoryEvent; invoked: number; completed: number }[]>();
  for (const e of events) {
    if (e.f === 'recv') continue;
    if (e.type === 'invoke') {
      invokes.set(e.process, e);
      continue;
    }
    const inv = invokes.get(e.process);
    const k = String(e.key);
    (byKey.get(k) ?? byKey.set(k, []).get(k)!).push({ done: e, invoked: inv?.time ?? e.time ?? 0, completed: e.time ?? 0 });
  }
  return ops.map((op) => {
    const got = byKey.get(String(op.key))?.shift();
    if (got) return got;
    const t = Number(process.hrtime.bigint());
    return { done: { type: 'info', process: -1, f: op.f, key: op.key ?? '', time: t }, invoked: t, completed: t };
  });
}
