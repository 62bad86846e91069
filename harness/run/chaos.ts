// The nemesis-and-workers stage: the fault schedule plays while every (workload, client node)
// worker drives its agent, counters are sampled each second and after each fault change, and
// the progress line ticks. Returns when the workload is over (planned duration, lagging
// schedule, or a stop) with what each worker did and what the run should note.
import type { AgentClient } from '../../agents';
import { policyFor } from '../../agents';
import type { RunPlan } from '../campaign';
import { deriveSeed, durationMs, type Output } from '../core';
import { workloadPackage } from '../../workloads';
import { reconnectClient } from './agents';
import type { Nemesis } from './nemesis';
import { startProgress } from './progress';
import { runProtocol } from './protocol';
import type { Recorder } from './record';
import type { AgentRevival } from './revive';
import { FaultSchedule } from './schedule';
import { runWorker, type WorkerStats } from './workers';

export interface ChaosInput {
  plan: RunPlan;
  agents: Map<string, AgentClient>;
  nemesis: Nemesis;
  revival: AgentRevival;
  rec: Recorder;
  progress: Output;
  /** no progress line (`run --quiet`) */
  quiet?: boolean;
  log(line: string): void;
  signal: AbortSignal;
}

export interface ChaosOutcome {
  stats: WorkerStats[];
  notes: string[];
}

export async function chaosStage(i: ChaosInput): Promise<ChaosOutcome> {
  const { plan, agents, nemesis, rec } = i;
  const samples: Promise<void>[] = [];
  const t0 = Date.now();
  // The nemesis plays the plan one change at a time; a change that took effect late moves the
  // later ones by its lateness (schedule.ts). The workload runs for the campaign's duration,
  // and while changes are due, and for as long after the last change as the plan has after
  // it: a lagging schedule still plays out under load (capped at twice the duration).
  const boundaryListeners: ((label: string) => void)[] = [];
  const schedule = new FaultSchedule(plan.faults, {
    start: (f) => nemesis.start(f),
    stop: (id) => nemesis.stop(id),
    // a counter sample follows each change, off the schedule (reading counters in a loaded
    // guest takes seconds: faults must not wait)
    after: (what) => {
      samples.push(rec.sampleCounters(agents.values()));
      // "start f1" -> "f1@start": the protocol workloads snapshot their roles' state there
      const [verb, id] = what.split(' ');
      for (const l of boundaryListeners) l(`${id}@${verb}`);
    },
    log: i.log,
  });
  const cap = t0 + 2 * plan.durationMs;
  const lastPlanned = Math.max(0, ...plan.faults.flatMap((f) => (Number.isFinite(f.stopMs) ? [f.startMs, f.stopMs] : [f.startMs])));
  const tailMs = Math.max(0, plan.durationMs - lastPlanned);
  const deadline = (): number => {
    const end = Math.max(t0 + plan.durationMs, schedule.lastAt !== undefined ? schedule.lastAt + tailMs : 0);
    return Math.min(schedule.pending > 0 ? Math.max(end, Date.now() + 1000) : end, cap);
  };
  // and every second: a fault window's counters are read between the samples nearest its
  // edges (with samples only after each change, a window began at the run's first sample)
  let sampling: Promise<void> | undefined;
  const sampler = setInterval(() => {
    if (sampling) return;
    sampling = rec.sampleCounters(agents.values()).finally(() => (sampling = undefined));
    samples.push(sampling);
  }, 1000);
  const played = schedule.run(t0);
  const stopProgress = startProgress(i.progress, { counts: () => rec.opCounts(), activeFaults: () => nemesis.activeIds }, { startedAt: t0, plannedMs: plan.durationMs, quiet: i.quiet === true });
  const policy = policyFor(plan.campaign.policy);
  let stats: WorkerStats[] = [];
  try {
    const opTimeoutMs = durationMs(plan.campaign.op_timeout);
    stats = await Promise.all(
      plan.workloads.flatMap((w) =>
        // a protocol workload drives its roles itself; the others run a worker per client node
        workloadPackage(w.spec.workload).drive
          ? [
              runProtocol({
                w, seed: deriveSeed(plan.seed, `workload:${w.index}`), agents, policy: policy.name, opTimeoutMs, deadline, signal: i.signal, log: i.log, record: rec.record, now: () => Number(process.hrtime.bigint()),
                nextAgent: (node, dead) => i.revival.next(node, dead, deadline, i.signal),
                onBoundary: (l) => void boundaryListeners.push(l),
                ...(policy.reconnects ? { reconnect: (a: AgentClient, peer: string) => reconnectClient(plan, w, a, agents, peer) } : {}),
              }),
            ]
          : w.clients.map((node) =>
          runWorker({
            w, node, agent: agents.get(node)!, policy: policy.name, opTimeoutMs, regions: w.regions, deadline, signal: i.signal, log: i.log,
            nextAgent: (dead) => i.revival.next(node, dead, deadline, i.signal),
            // a policy of no recovery at all: once its QP broke, availability stays down
            ...(policy.reconnects ? { reconnect: (a: AgentClient) => reconnectClient(plan, w, a, agents) } : {}),
          }),
            ),
      ),
    );
  } finally {
    stopProgress();
    schedule.halt();
    clearInterval(sampler);
    await played;
    // a restart the schedule was making got its agent: healing acts on it
    i.revival.close();
    // interrupted: heal now, before waiting on counter reads (a paused agent answers none)
    if (i.signal.aborted) await nemesis.healAll().catch((e: unknown) => i.log(`heal failed: ${(e as Error).message}`));
    await Promise.all(samples);
  }
  const notes: string[] = [];
  const ranMs = Date.now() - t0;
  if (schedule.lagMs > 0) notes.push(`the fault schedule ran ${(schedule.lagMs / 1000).toFixed(1)} s behind the plan (changes took effect late on a loaded host): the workload ran ${(ranMs / 1000).toFixed(1)} s`);
  if (schedule.pending > 0) notes.push(`${schedule.pending} of ${schedule.total} planned fault changes were not made before the run ended`);
  for (const s of stats) i.log(`worker ${s.workload}@${s.node}: ${s.slices} slices, ${s.ops} ops (${s.ok} ok, ${s.info} info, ${s.fail} fail), ${s.failovers} failovers${s.error ? `, stopped: ${s.error}` : ''}`);
  for (const s of stats) if (s.error) notes.push(`worker ${s.workload}@${s.node} stopped early: ${s.error}`);
  if (i.signal.aborted) notes.push(`interrupted after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { stats, notes };
}
