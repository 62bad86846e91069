// A client node that crashed and was restarted gets a fresh agent, connected to its workloads'
// targets as the old one was, so its workers carry on instead of ending the run's load for
// good at the first crash (a 10-minute random campaign crashes clients several times). The
// crash fault's restart waits for the revival, so the nemesis acts on the new agent next.
// A node whose memory a workload targets cannot be revived: that memory died with it.
import type { AgentClient } from '../../agents';
import { workloadPackage } from '../../workloads';
import type { RunPlan } from '../campaign';
import type { NodeDriver } from '../core';
import { PROCESS_SPAN, startAgent, wireClient, type AgentHooks } from './agents';

export interface RevivalDeps {
  driver: NodeDriver;
  plan: RunPlan;
  /** the run's agents: a revived one replaces the dead one here (nemesis, counters, shutdown see it) */
  agents: Map<string, AgentClient>;
  hooks: AgentHooks;
  leaseMs: number;
  log(line: string): void;
}

export class AgentRevival {
  /** a revived agent gets a history process range of its own, above every node's first one */
  private nextRange: number;
  private readonly waiters = new Map<string, Set<(a: AgentClient | undefined) => void>>();
  private closed = false;
  readonly revived: string[] = [];

  constructor(private readonly d: RevivalDeps) {
    this.nextRange = d.plan.nodes.length + 1;
  }

  /** after `node` restarted: a new agent on it, wired like the old one; never throws */
  async revive(node: string): Promise<void> {
    if (this.closed || !this.d.agents.has(node)) return;
    // (a peer that holds no memory of its workload's, a Paxos acceptor whose state is elsewhere,
    // comes back; so does a Disk Paxos node, as a processor whose disk failed)
    if (this.d.plan.workloads.some((w) => w.peers.includes(node) && Object.keys(w.regions).length > 0 && !workloadPackage(w.spec.workload).memoryMayDie)) {
      this.d.log(`${node} restarted, but workload memory on it died with it: its workloads are not resumed`);
      return;
    }
    if (!this.d.plan.workloads.some((w) => w.clients.includes(node))) return;
    let a: AgentClient | undefined;
    try {
      a = await startAgent(this.d.driver, node, this.nextRange++ * PROCESS_SPAN, this.d.hooks, this.d.leaseMs);
      const with_ = new Map(this.d.agents).set(node, a);
      await wireClient(this.d.plan, node, with_);
    } catch (e: unknown) {
      this.d.log(`${node}: no new agent after its restart: ${(e as Error).message}`);
      await a?.shutdown().catch(() => undefined);
      return;
    }
    if (this.closed) {
      await a.shutdown().catch(() => undefined);
      return;
    }
    this.d.agents.set(node, a);
    this.revived.push(node);
    this.d.log(`${node}: new agent after its restart, reconnected to its workloads' targets`);
    for (const w of this.waiters.get(node) ?? []) w(a);
    this.waiters.delete(node);
  }

  /** for a worker whose agent died: the next agent on that node, or undefined when the run ends first */
  next(node: string, dead: AgentClient, deadline: () => number, signal: AbortSignal): Promise<AgentClient | undefined> {
    const cur = this.d.agents.get(node);
    if (cur && cur !== dead) return Promise.resolve(cur);
    if (this.closed || signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let set = this.waiters.get(node);
      if (!set) this.waiters.set(node, (set = new Set()));
      let timer: NodeJS.Timeout | undefined;
      const done = (a: AgentClient | undefined): void => {
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        set!.delete(done);
        resolve(a);
      };
      const onAbort = (): void => done(undefined);
      // the deadline may move later while this waits
      const arm = (): void => {
        timer = setTimeout(() => (Date.now() >= deadline() ? done(undefined) : arm()), Math.max(0, deadline() - Date.now()));
      };
      arm();
      signal.addEventListener('abort', onAbort);
      set.add(done);
    });
  }

  /** the run is over: waiting workers stop, later revivals are refused */
  close(): void {
    this.closed = true;
    for (const set of this.waiters.values()) for (const w of [...set]) w(undefined);
    this.waiters.clear();
  }
}
