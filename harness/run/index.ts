// `rdma-chaos run`: campaign -> plan -> cluster + agents -> workers and nemesis -> history ->
// final snapshot -> checks -> results.json. Every exit path heals the faults, stops the agents
// and, when the run booted the local cluster, takes it down.
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { AgentClient } from '../../agents';
import { durationMs as toMs } from '../../faults';
import { Campaign, describePlan, loadCampaign, planJson, planRun, type RunPlan } from '../campaign';
import type { CommandContext } from '../context';
import { InputError } from '../errors';
import { RunHealth, type HealthOptions } from '../health';
import { HistoryWriter } from '../history/jsonl';
import type { HistoryEvent } from '../history/schema';
import { RUN_FILES, type RunCounterSample, type RunResults } from '../store/results';
import { reconnectClient, startAgents, wireWorkloads, type AgentHooks } from './agents';
import { checkRunDir, type RunMeta } from './check';
import { acquireCluster, controllerOps, type RunCluster } from './cluster';
import { Nemesis } from './nemesis';
import { startProgress } from './progress';
import { createRunDir, type RunDir } from './rundir';
import { FaultSchedule } from './schedule';
import { AgentRevival } from './revive';
import { finalSnapshot } from './snapshot';
import { runWorker, type WorkerStats } from './workers';

export interface RunOptions {
  campaignFile?: string;
  /** a stored run to repeat with the same campaign, schedule and seed */
  replay?: string;
  seed?: number;
  store: string;
  cluster?: string;
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
}

export interface RunOutcome {
  dir?: string;
  plan: RunPlan;
  results?: RunResults;
}

export function resolveCampaign(o: RunOptions): { campaign: Campaign; seed: number } {
  if (o.replay) {
    const file = path.join(o.replay, RUN_FILES.campaign);
    if (!fs.existsSync(file)) throw new InputError('run.notARun', `${o.replay}: not a run directory (no ${RUN_FILES.campaign})`);
    const campaign = loadCampaign(file).campaign;
    const stored = (parseYaml(fs.readFileSync(file, 'utf8')) as { seed?: number }).seed;
    if (stored === undefined) throw new InputError('run.noSeed', `${file}: the stored campaign has no seed`);
    return { campaign, seed: o.seed ?? stored };
  }
  if (!o.campaignFile) throw new InputError('run.noCampaign', 'give a campaign file or --replay RUN_DIR');
  const { campaign } = loadCampaign(o.campaignFile);
  return { campaign, seed: o.seed ?? campaign.seed ?? randomInt(1, 2 ** 31 - 1) };
}

export async function runCampaign(ctx: CommandContext, o: RunOptions): Promise<RunOutcome> {
  const { campaign, seed } = resolveCampaign(o);
  if (o.cluster) campaign.cluster.driver = o.cluster;
  const plan = planRun(campaign, seed);
  // a bad metrics URL is bad input: refused before anything starts
  const influx = o.influx ?? campaign.influx;
  if (influx) (await import('./metrics')).checkMetricsUrl(influx);
  if (o.dryRun) {
    ctx.stdout.write((o.planJson ? JSON.stringify(planJson(plan)) : describePlan(plan)) + '\n');
    return { plan };
  }
  const say = (l: string): void => void ctx.stderr.write(`rdma-chaos: ${l}\n`);
  say(`campaign ${campaign.name}, seed ${seed}: getting a ${campaign.cluster.nodes}-node, ${campaign.cluster.rails}-rail ${campaign.cluster.driver} cluster`);
  // errors up to here are bad input or an unusable cluster: no run directory is created
  const cluster = await acquireCluster(campaign.cluster.driver, campaign.cluster.nodes, campaign.cluster.rails, (l) => say(l));
  let rd: RunDir | undefined;
  try {
    rd = createRunDir(o.store, campaign, seed);
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

async function execute(ctx: CommandContext, plan: RunPlan, cluster: RunCluster, rd: RunDir, o: RunOptions): Promise<RunResults> {
  const now = (): number => Number(process.hrtime.bigint());
  const startedAt = new Date();
  const writer = new HistoryWriter(path.join(rd.dir, RUN_FILES.history));
  const countersFd = fs.openSync(path.join(rd.dir, RUN_FILES.counters), 'a');
  const touched = new Set<string>();
  let opsDone = 0;
  const notes: string[] = [];
  let agents: Map<string, AgentClient> = new Map();
  let nemesis: Nemesis | undefined;
  let clean = false;
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  ctx.signal.addEventListener('abort', onAbort);
  const record = (events: HistoryEvent[]): void => writer.append(events);
  let workersRunning = false;
  const metrics = o.influx
    ? (await import('./metrics')).openRunMetrics({
        url: o.influx,
        plan,
        dir: rd.dir,
        now,
        warn: (m) => {
          rd.log(m);
          ctx.stderr.write(`rdma-chaos: ${m}\n`);
        },
      })
    : undefined;
  if (metrics) rd.log(`streaming metrics to ${metrics.url}`);
  const health = new RunHealth(
    {
      driver: cluster.driver,
      dir: rd.dir,
      nodes: plan.nodes,
      now,
      log: (l) => rd.log(l),
      faults: () => nemesis?.windows() ?? [],
      onInfrastructureFault: (reason) => {
        notes.push(`stopped early: infrastructure fault: ${reason}`);
        stop.abort();
        // a worker stuck on a dead node would hold the run forever: drop the agents
        setTimeout(() => {
          if (!workersRunning) return;
          rd.log('workers still running 30 s after the infrastructure fault: dropping the agents');
          for (const a of agents.values()) a.detach();
        }, 30_000).unref();
      },
    },
    o.health,
  );
  let revival: AgentRevival | undefined;
  try {
    health.start();
    const hooks: AgentHooks = {
      // widen each op by the clock-sync uncertainty: a cross-node order the clocks cannot
      // vouch for is not asserted (no false violations from clock error)
      history: (_node, events, u) => {
        metrics?.events(events);
        const slack = Number.isFinite(u) ? Math.ceil(u) + 1_000_000 : 5_000_000;
        for (const e of events) {
          if (e.key !== undefined) touched.add(String(e.key));
          if (e.time !== undefined) e.time = e.type === 'invoke' ? Math.max(0, e.time - slack) : e.time + slack;
          if (e.type !== 'invoke') opsDone++;
        }
        record(events);
      },
      log: (node, line) => rd.agentLog(node, line),
    };
    const started = await startAgents(cluster.driver, plan, hooks, o.leaseMs ?? 10_000);
    agents = started.agents;
    revival = new AgentRevival({ driver: cluster.driver, plan, agents, hooks, leaseMs: o.leaseMs ?? 10_000, log: (l) => rd.log(l) });
    rd.log(`agents up on ${[...agents.keys()].join(', ')}`);
    health.watch([...started.targets.values()].map((t) => ({ node: t.node, rails: t.rails })));
    await wireWorkloads(plan, agents);
    rd.log('workload memory registered and QPs connected');

    const noCounters = new Set<string>();
    const sampleCounters = async (): Promise<void> => {
      await Promise.all(
        [...agents.values()].map(async (a) => {
          try {
            const r = await a.counters();
            const time = a.clock.toLocal(BigInt(r.monotonicNs));
            for (const [device, counters] of Object.entries(r.devices)) {
              const s: RunCounterSample = { time, node: a.node, device, counters };
              fs.writeSync(countersFd, JSON.stringify(s) + '\n');
              metrics?.counters(a.node, device, counters, time);
            }
          } catch (e: unknown) {
            // once per node: a dead agent would fill the log every second
            if (!noCounters.has(a.node)) rd.log(`${a.node}: counters unavailable: ${(e as Error).message}`);
            noCounters.add(a.node);
          }
        }),
      );
    };
    const recordNemesis = (events: HistoryEvent[]): void => {
      metrics?.events(events);
      record(events);
    };
    const rv = revival;
    nemesis = new Nemesis({ agents, ops: controllerOps(cluster.driver, agents, (node) => rv.revive(node)), targets: started.targets, record: recordNemesis, log: (l) => rd.log(l), now });
    await sampleCounters();

    const samples: Promise<void>[] = [];
    const t0 = Date.now();
    // The nemesis plays the plan one change at a time; a change that took effect late moves the
    // later ones by its lateness (schedule.ts). The workload runs for the campaign's duration,
    // and while changes are due, and for as long after the last change as the plan has after
    // it: a lagging schedule still plays out under load (capped at twice the duration).
    const schedule = new FaultSchedule(plan.faults, {
      start: (f) => nemesis!.start(f),
      stop: (id) => nemesis!.stop(id),
      // a counter sample follows each change, off the schedule (reading counters in a loaded
      // guest takes seconds: faults must not wait)
      after: () => void samples.push(sampleCounters()),
      log: (l) => rd.log(l),
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
      sampling = sampleCounters().finally(() => (sampling = undefined));
      samples.push(sampling);
    }, 1000);
    const played = schedule.run(t0);
    const stopProgress = startProgress(ctx.stderr, { ops: () => opsDone, activeFaults: () => nemesis!.activeIds }, t0, plan.durationMs);
    let stats: WorkerStats[] = [];
    workersRunning = true;
    try {
      const opTimeoutMs = toMs(plan.campaign.op_timeout);
      stats = await Promise.all(
        plan.workloads.flatMap((w) =>
          w.clients.map((node) =>
            runWorker({
              w, node, agent: agents.get(node)!, policy: plan.campaign.policy, opTimeoutMs, regions: w.regions, deadline, signal: stop.signal, log: (l) => rd.log(l),
              nextAgent: (dead) => rv.next(node, dead, deadline, stop.signal),
              // `none` is no recovery at all: once its QP broke, availability stays down
              ...(plan.campaign.policy === 'none' ? {} : { reconnect: (a: AgentClient) => reconnectClient(plan, w, a, agents) }),
            }),
          ),
        ),
      );
    } finally {
      workersRunning = false;
      stopProgress();
      schedule.halt();
      clearInterval(sampler);
      await played;
      // a restart the schedule was making got its agent: healing acts on it
      revival.close();
      await Promise.all(samples);
    }
    const ranMs = Date.now() - t0;
    if (schedule.lagMs > 0) notes.push(`the fault schedule ran ${(schedule.lagMs / 1000).toFixed(1)} s behind the plan (changes took effect late on a loaded host): the workload ran ${(ranMs / 1000).toFixed(1)} s`);
    if (schedule.pending > 0) notes.push(`${schedule.pending} of ${schedule.total} planned fault changes were not made before the run ended`);
    for (const s of stats) rd.log(`worker ${s.workload}@${s.node}: ${s.slices} slices, ${s.ops} ops (${s.ok} ok, ${s.info} info, ${s.fail} fail), ${s.failovers} failovers${s.error ? `, stopped: ${s.error}` : ''}`);
    for (const s of stats) if (s.error) notes.push(`worker ${s.workload}@${s.node} stopped early: ${s.error}`);
    if (stop.signal.aborted) notes.push(`interrupted after ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    await nemesis.healAll();
    await sampleCounters();
    // receives in flight settle before the receivers count as drained
    await new Promise((r) => setTimeout(r, 1000));
    try {
      record(await finalSnapshot(plan, agents, touched, now));
    } catch (e: unknown) {
      // a broken testbed or a dead target: the run still gets its results (verdict from what is known)
      if (!health.trip && !stop.signal.aborted && health.brokenNodes().length === 0) throw e;
      notes.push(`no final snapshot: ${(e as Error).message}`);
    }
    clean = nemesis.records().every((f) => f.phase === 'NotInjected');
  } finally {
    revival?.close();
    if (nemesis) await nemesis.healAll().catch((e: unknown) => rd.log(`heal failed: ${(e as Error).message}`));
    await Promise.all([...agents.values()].map((a) => a.shutdown().catch((e: unknown) => rd.log(`${a.node}: shutdown: ${(e as Error).message}`))));
    writer.sync();
    writer.close();
    fs.closeSync(countersFd);
    ctx.signal.removeEventListener('abort', onAbort);
    await health.stop();
    if (metrics) {
      const m = await metrics.close();
      rd.log(`metrics: ${m.written} points written to ${metrics.url}, ${m.dropped} dropped, ${m.failedWrites} failed writes`);
    }
  }
  const h = await health.finish();
  notes.push(...h.notes);
  const meta: RunMeta = {
    campaign: plan.campaign,
    seed: plan.seed,
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    cluster: { driver: cluster.kind, nodes: plan.nodes, rails: plan.campaign.cluster.rails },
    faults: nemesis?.records() ?? [],
    findings: h.findings,
    clean,
    notes,
    ...(h.infrastructureFault ? { infrastructureFault: h.infrastructureFault } : {}),
  };
  rd.log('checking the history');
  const results = checkRunDir(rd.dir, meta, o.checkTimeoutMs ?? 120_000);
  rd.log(`verdict ${results.verdict}`);
  return results;
}
