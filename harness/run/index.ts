// `rdma-chaos run`, as stages (Jepsen's core.clj reads this way): plan -> cluster -> agents ->
// nemesis and workers -> drain -> check -> store. Each stage is a module with typed input and
// output; this file only strings them together. Every exit path heals the faults, stops the
// agents and, when the run booted the local cluster, takes it down.
import type { AgentClient } from '../../agents';
import { faultEffects } from '../../faults';
import { describePlan, planJson, type RunPlan } from '../campaign';
import { InfraError, type CommandContext, type RunResults } from '../core';
import { RunHealth, type HealthOptions } from '../health';
import { startAgents, wireWorkloads } from './agents';
import { chaosStage } from './chaos';
import { checkInThread, checkProgress, type RunMeta } from './check';
import { acquireCluster, checkFaultsFit, controllerOps, healCluster, type AcquireOptions, type RunCluster } from './cluster';
import { drainStage } from './drain';
import { Nemesis } from './nemesis';
import { planStage, type PlanInput } from './plan';
import { openRecorder } from './record';
import { AgentRevival } from './revive';
import { markInterruptedRuns } from './recheck';
import { createRunDir, storeResults, type RunDir } from './store';

export { planStage, type PlanInput } from './plan';
export { checkRunDir, checkStage, workloadKeys, type RunMeta } from './check';
export { createRunDir, type RunDir } from './store';
export { INTERRUPTED, markInterrupted, markInterruptedRuns, recheckRun, type MarkedRun, type RecheckOptions } from './recheck';
export { PROCESS_SPAN } from './agents';
export { acquireCluster, healCluster, localJournal, type RunCluster } from './cluster';
export { statusLine } from './progress';

export interface RunOptions extends PlanInput, AcquireOptions {
  store: string;
  dryRun?: boolean;
  keepCluster?: boolean;
  /** linearizability budget for the check at the end */
  checkTimeoutMs?: number;
  leaseMs?: number;
  /** watchdog thresholds, repair on/off (tests) */
  health?: HealthOptions;
  /** stream live metrics to InfluxDB 1.x (overrides the campaign's `influx:`) */
  influx?: string;
  /** --dry-run prints the plan as JSON */
  planJson?: boolean;
  /**
   * no progress lines (the workload's, the check's) on stderr: for a suite runner that runs
   * campaigns in-process or spawns `run --quiet`. Stage lines, warnings and errors stay.
   */
  quiet?: boolean;
}

export interface RunOutcome {
  dir?: string;
  plan: RunPlan;
  results?: RunResults;
}

export async function runCampaign(ctx: CommandContext, o: RunOptions): Promise<RunOutcome> {
  const plan = planStage(o);
  // a bad metrics URL is bad input: refused before anything starts
  const influx = o.influx ?? plan.campaign.influx;
  if (influx) (await import('./metrics')).checkMetricsUrl(influx);
  if (o.dryRun) {
    ctx.stdout.write((o.planJson ? JSON.stringify(planJson(plan)) : describePlan(plan)) + '\n');
    return { plan };
  }
  const say = (l: string): void => void ctx.stderr.write(`rdma-chaos: ${l}\n`);
  // a run the last controller died in (killed, rebooted) is checked and marked incomplete first
  markInterruptedRuns(o.store, { timeoutMs: INTERRUPTED_CHECK_MS, signal: ctx.signal, log: say });
  const { cluster: spec, name } = plan.campaign;
  say(`campaign ${name}, seed ${plan.seed}: getting a ${spec.nodes}-node, ${spec.rails}-rail ${spec.driver} cluster`);
  // errors up to here are bad input or an unusable cluster: no run directory is created
  const cluster = await acquireCluster(spec.driver, spec.nodes, spec.rails, (l) => say(l), { ...(o.trustOnFirstUse ? { trustOnFirstUse: true } : {}), signal: ctx.signal });
  let rd: RunDir | undefined;
  try {
    checkFaultsFit(plan, cluster.driver, o.replay ?? o.campaignFile ?? name);
    // what a killed controller left in effect (a pulled cable, a paused agent) goes first
    await healCluster(cluster.driver, cluster.journal, say);
    try {
      rd = createRunDir(o.store, plan);
    } catch (e: unknown) {
      throw storeFull(o.store, e as Error);
    }
    say(`run directory ${rd.dir}`);
    const results = await execute(ctx, plan, cluster, rd, { ...o, ...(influx ? { influx } : {}) });
    return { dir: rd.dir, plan, results };
  } finally {
    rd?.close();
    if (cluster.booted && !o.keepCluster) {
      say('taking down the cluster this run booted');
      await cluster.down().catch((e: unknown) => say(`cluster down failed: ${(e as Error).message}`));
    } else {
      await cluster.driver.close().catch(() => undefined);
    }
  }
}

/** the stages from the agents on, on an acquired cluster and a created run directory */
async function execute(ctx: CommandContext, plan: RunPlan, cluster: RunCluster, rd: RunDir, o: RunOptions): Promise<RunResults> {
  const now = (): number => Number(process.hrtime.bigint());
  const startedAt = new Date();
  const leaseMs = o.leaseMs ?? 10_000;
  const notes: string[] = [];
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  ctx.signal.addEventListener('abort', onAbort);
  let storeFailure: Error | undefined;
  const rec = await openRecorder({
    rd, plan, ...(o.influx ? { influx: o.influx } : {}), now, warn: (m) => (rd.log(m), void ctx.stderr.write(`rdma-chaos: ${m}\n`)),
    // a full disk: stop at once (faults healed, agents stopped); the history ends at a whole line
    onStoreFailure: (e) => {
      storeFailure = e;
      ctx.stderr.write(`rdma-chaos: writing the history failed (${e.message}): stopping the run\n`);
      stop.abort();
    },
  });
  const agents = new Map<string, AgentClient>();
  let nemesis: Nemesis | undefined;
  let revival: AgentRevival | undefined;
  let working = false;
  const health = new RunHealth(
    {
      driver: cluster.driver, dir: rd.dir, nodes: plan.nodes, now, log: (l) => rd.log(l), effects: faultEffects,
      faults: () => nemesis?.windows() ?? [],
      onInfrastructureFault: (reason) => {
        notes.push(`stopped early: infrastructure fault: ${reason}`);
        stop.abort();
        // a worker stuck on a dead node would hold the run forever: drop the agents
        setTimeout(() => {
          if (!working) return;
          rd.log('workers still running 30 s after the infrastructure fault: dropping the agents');
          for (const a of agents.values()) a.detach();
        }, 30_000).unref();
      },
    },
    o.health,
  );
  let clean = false;
  try {
    health.start();
    // a signal while the agents start does not wait for them: each one that comes up later is
    // shut down (and the controller's exit is its EOF anyway)
    const started = await unlessAborted(startAgents(cluster.driver, plan, rec.hooks, leaseMs), stop.signal, (s) => {
      for (const a of s.agents.values()) void a.shutdown().catch(() => undefined);
    });
    if (!started) notes.push('interrupted while the agents started');
    else {
      for (const [n, a] of started.agents) agents.set(n, a);
      const rv = (revival = new AgentRevival({ driver: cluster.driver, plan, agents, hooks: rec.hooks, leaseMs, log: (l) => rd.log(l) }));
      rd.log(`agents up on ${[...agents.keys()].join(', ')}`);
      health.watch([...started.targets.values()].map((t) => ({ node: t.node, rails: t.rails })));
      if (!stop.signal.aborted) await wireWorkloads(plan, agents);
      rd.log('workload memory registered and QPs connected');
      nemesis = new Nemesis({ agents, ops: controllerOps(cluster.driver, (n) => agents.get(n)?.pid, (node) => rv.revive(node)), targets: started.targets, record: rec.record, log: (l) => rd.log(l), now,
        ...(cluster.journal ? { journal: { file: cluster.journal, run: rd.dir } } : {}) });
      if (stop.signal.aborted) notes.push('interrupted before the workload started');
      else {
        await rec.sampleCounters(agents.values());
        working = true;
        const chaos = await chaosStage({ plan, agents, nemesis, revival, rec, progress: ctx.stderr, quiet: o.quiet === true, log: (l) => rd.log(l), signal: stop.signal }).finally(() => (working = false));
        notes.push(...chaos.notes);
        const drained = await drainStage({ plan, agents, nemesis, rec, now, degraded: () => health.trip !== undefined || stop.signal.aborted || health.brokenNodes().length > 0 });
        notes.push(...drained.notes);
        clean = drained.clean;
      }
    }
  } finally {
    revival?.close();
    if (nemesis) await nemesis.healAll().catch((e: unknown) => rd.log(`heal failed: ${(e as Error).message}`));
    await Promise.all([...agents.values()].map((a) => a.shutdown().catch((e: unknown) => rd.log(`${a.node}: shutdown: ${(e as Error).message}`))));
    await rec.close();
    ctx.signal.removeEventListener('abort', onAbort);
    await health.stop();
  }
  const h = await health.finish();
  notes.push(...h.notes);
  const meta: RunMeta = {
    campaign: plan.campaign, seed: plan.seed, startedAt: startedAt.toISOString(), endedAt: new Date().toISOString(), durationMs: Date.now() - startedAt.getTime(),
    cluster: { driver: cluster.kind, nodes: plan.nodes, rails: plan.campaign.cluster.rails },
    faults: nemesis?.records() ?? [], findings: h.findings, clean, notes,
    ...(h.infrastructureFault ? { infrastructureFault: h.infrastructureFault } : {}),
    ...(h.nodesLost ? { nodesLost: h.nodesLost } : {}),
  };
  if (storeFailure) throw storeFull(rd.dir, storeFailure);
  rd.log('checking the history');
  // after an interrupt the run must end soon: a short budget (a second signal forces the exit)
  const late = ctx.signal.aborted;
  const budget = o.checkTimeoutMs ?? 120_000;
  const shown = checkProgress(ctx.stderr, { quiet: o.quiet === true });
  const results = await checkInThread(rd.dir, meta, late ? Math.min(budget, INTERRUPTED_CHECK_MS) : budget, late ? new AbortController().signal : ctx.signal, shown).finally(() => shown.done());
  try {
    storeResults(rd.dir, results);
  } catch (e: unknown) {
    throw storeFull(rd.dir, e as Error);
  }
  rd.log(`verdict ${results.verdict}`);
  return results;
}

/** the check's budget when the run was interrupted before it (SIGTERM mid-workload) */
const INTERRUPTED_CHECK_MS = 10_000;


/** the store could not take the run's record: the testbed's trouble (exit 2), said in one line */
function storeFull(dir: string, e: Error): InfraError {
  return new InfraError('store.writeFailed', `${dir}: the store cannot be written (${e.message.split('\n')[0]}): the run stopped with its faults healed; history.jsonl is intact up to its last line. Free space, then: rdma-chaos recheck ${dir}`);
}

/** `p`, or undefined as soon as `signal` aborts; what `p` brings after that goes to `late` */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal, late: (v: T) => void): Promise<T | undefined> {
  const abandon = (): void => void p.then(late, () => undefined);
  if (signal.aborted) {
    abandon();
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = (): void => {
      abandon();
      resolve(undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}
