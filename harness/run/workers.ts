// One worker per (workload, client node): it merges the node's logical processes' generators
// into slices, hands each slice to the agent, and feeds the completions back to generators
// that react to what they read. The agent executes; the worker never sleeps between ops.
import type { AgentClient, OpDescriptor, Policy } from '../../agents';
import { workloadPackage, type Generator } from '../../workloads';
import type { PlannedWorkload } from '../campaign';
import type { HistoryEvent } from '../core';

export interface WorkerStats {
  workload: string;
  node: string;
  slices: number;
  ops: number;
  ok: number;
  info: number;
  fail: number;
  failovers: number;
  error?: string;
}

export interface WorkerOptions {
  w: PlannedWorkload;
  node: string;
  agent: AgentClient;
  policy: Policy;
  opTimeoutMs: number;
  regions: Record<string, number>;
  /** ms since the epoch; may move later while the run goes (a lagging nemesis) */
  deadline(): number;
  signal: AbortSignal;
  log(line: string): void;
  /** the agent died (its node crashed): the node's next agent, or undefined to stop */
  nextAgent?(dead: AgentClient): Promise<AgentClient | undefined>;
  /** every QP toward the target broke (both rails faulted): new QPs on every rail, as at the start; absent under policy none */
  reconnect?(agent: AgentClient): Promise<void>;
}

/** at most one reconnect a second: with a fault still in effect, new QPs break again at once */
const RECONNECT_GAP_MS = 1000;

/** ops per slice: the campaign's, the workload's own (small for reactive patterns), or half a second of work at the asked rate */
export function sliceSize(w: PlannedWorkload, processesHere: number): number {
  if (w.spec.slice) return w.spec.slice;
  const own = workloadPackage(w.spec.workload).sliceSize?.(w.spec, processesHere);
  if (own !== undefined) return own;
  return w.spec.rate > 0 ? Math.max(1, Math.ceil(w.spec.rate * processesHere * 0.5)) : 1024;
}

export async function runWorker(o: WorkerOptions): Promise<WorkerStats> {
  const { w, node } = o;
  let agent = o.agent;
  const pkg = workloadPackage(w.spec.workload);
  const procs = w.processes.filter((p) => p.node === node);
  const make = pkg.generator?.bind(pkg);
  if (!make) throw new Error(`workload ${w.spec.workload} has no generator: the run drives it (drive)`);
  const gens: Generator[] = procs.map((p) => make(w.spec, { seed: p.seed, index: p.index, count: p.count, node, target: w.target, regions: o.regions }));
  const stats: WorkerStats = { workload: w.spec.workload, node, slices: 0, ops: 0, ok: 0, info: 0, fail: 0, failovers: 0 };
  const size = sliceSize(w, procs.length);
  const per = Math.max(1, Math.floor(size / gens.length));
  // each generator sees the completions of its own ops from the last slice
  let lastFor: HistoryEvent[][] = gens.map(() => []);
  let reconnects = 0;
  let reconnectErrors = 0;
  let lastReconnect = 0;
  while (Date.now() < o.deadline() && !o.signal.aborted) {
    const ops: OpDescriptor[] = [];
    const owner: number[] = [];
    gens.forEach((g, gi) => {
      for (const op of g.next(per, lastFor[gi]!)) {
        ops.push(op);
        owner.push(gi);
      }
    });
    if (ops.length === 0) break; // every process is done
    const before = agent.history.length;
    try {
      const r = await agent.runSlice({
        slice: `w${w.index}-${node}-${stats.slices}`,
        peer: w.target,
        policy: o.policy,
        ops,
        depth: Math.min(4096, w.spec.depth * procs.length),
        rate: w.spec.rate * procs.length,
        opTimeoutMs: o.opTimeoutMs,
      });
      stats.slices++;
      stats.ops += r.n;
      stats.ok += r.ok;
      stats.info += r.info;
      stats.fail += r.fail;
      stats.failovers += r.failovers;
      if (!r.usable && !o.reconnect) {
        // no recovery (policy none): every op now fails at the post in microseconds; at full
        // speed that ran the generators dry within seconds (the steady-freeze run ended 12 s
        // in, before the watchdog could call the frozen rail)
        await pause(RECONNECT_GAP_MS, o.signal);
      } else if (!r.usable && o.reconnect) {
        // like a Jepsen client reopening its connection: without it every later op of the run
        // would fail at the post, and the workload would be over at the first double fault
        await pause(lastReconnect + RECONNECT_GAP_MS - Date.now(), o.signal);
        lastReconnect = Date.now();
        try {
          await o.reconnect(agent);
          reconnects++;
          if (reconnects === 1 || reconnects % 10 === 0) o.log(`worker ${w.spec.workload}@${node}: no usable QP toward ${w.target} after slice ${r.slice}: reconnected on every rail (${reconnects} time(s) so far)`);
        } catch (e: unknown) {
          // a gone client agent shows at the next slice; a gone target ends nothing here
          reconnectErrors++;
          if (reconnectErrors === 1 || reconnectErrors % 10 === 0) o.log(`worker ${w.spec.workload}@${node}: reconnecting to ${w.target} failed (${reconnectErrors} time(s)): ${(e as Error).message}`);
        }
      }
    } catch (e: unknown) {
      // a crashed client node: its ops in flight are already recorded as info; carry on with
      // the agent its restart brings (the generators keep their state)
      const next = (e as { code?: string }).code === 'agent.gone' && o.nextAgent ? await o.nextAgent(agent) : undefined;
      if (next) {
        o.log(`worker ${w.spec.workload}@${node}: its agent was lost (${(e as Error).message}); continuing on the node's new agent`);
        agent = next;
        lastFor = gens.map(() => []);
        continue;
      }
      stats.error = (e as Error).message;
      o.log(`worker ${w.spec.workload}@${node}: ${stats.error}`);
      break;
    }
    lastFor = splitByOwner(agent.history.slice(before), ops, owner, gens.length);
  }
  return stats;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((ok) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      ok();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * Completions of this slice per generator. The agent's events do not name the op's index, so
 * ops are matched by key and f in slice order; generators only look at results of their reads
 * and CASes, which this keeps apart well enough (ties go to the first owner that wants one).
 */
function splitByOwner(events: HistoryEvent[], ops: OpDescriptor[], owner: number[], n: number): HistoryEvent[][] {
  const out: HistoryEvent[][] = Array.from({ length: n }, () => []);
  if (n === 1) {
    out[0] = events.filter((e) => e.type !== 'invoke');
    return out;
  }
  const queues = new Map<string, number[]>();
  ops.forEach((op, i) => {
    const k = `${op.f}|${op.region ?? ''}@${op.offset ?? 0}`;
    const q = queues.get(k);
    if (q) q.push(owner[i]!);
    else queues.set(k, [owner[i]!]);
  });
  for (const e of events) {
    if (e.type === 'invoke') continue;
    const q = queues.get(`${e.f}|${String(e.key)}`);
    const who = q?.shift();
    if (who !== undefined) out[who]!.push(e);
  }
  return out;
}
