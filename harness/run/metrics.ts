// Live metrics of a run (`--influx URL` or the campaign's `influx:`): per-second op rates and
// latencies per workload, fault start/stop events and rxe counter samples, streamed to InfluxDB
// 1.x through the reports' metrics sink while the run goes. The sink never blocks and never
// throws; an unreachable database costs one warning. Metrics read copies of the events and
// never touch the history.
import * as path from 'node:path';
import { influxTarget, openMetricsSink, type MetricsSink, type SinkStats } from '../../reports';
import type { RunPlan } from '../campaign';
import { ownerOf, type HistoryEvent } from '../core';
import { workloadKeys } from './check';

export interface RunMetricsOptions {
  url: string;
  plan: RunPlan;
  /** the run directory: its basename tags every point */
  dir: string;
  /** the history clock (monotonic ns) */
  now(): number;
  warn(message: string): void;
  /** for tests */
  flushIntervalMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface RunMetrics {
  readonly url: string;
  /** history events as they arrive (agents' and the nemesis'), before any rewriting */
  events(events: readonly HistoryEvent[]): void;
  counters(node: string, device: string, counters: Record<string, number>, time: number): void;
  close(): Promise<SinkStats>;
}

/** The URL is checked before anything starts (InputError on a bad one or on credentials in it). */
export function checkMetricsUrl(url: string, env?: NodeJS.ProcessEnv): string {
  return influxTarget({ url, ...(env ? { env } : {}) }).display;
}

export function openRunMetrics(o: RunMetricsOptions): RunMetrics {
  const sink: MetricsSink = openMetricsSink({
    url: o.url,
    tags: { campaign: o.plan.campaign.name, run: path.basename(o.dir), seed: String(o.plan.seed), policy: o.plan.campaign.policy },
    warn: o.warn,
    ...(o.flushIntervalMs !== undefined ? { flushIntervalMs: o.flushIntervalMs } : {}),
    ...(o.env ? { env: o.env } : {}),
  });
  // history time (ns, monotonic) -> wall-clock ms
  const offsetMs = Date.now() - o.now() / 1e6;
  const wall = (t: number | undefined): number => (t === undefined ? Date.now() : Math.round(offsetMs + t / 1e6));
  const names = workloadNames(o.plan);
  // the keys each workload owns, tagged with its name here
  const owners = workloadKeys(o.plan).map((k, i) => ({ ...k, workload: names[i]! }));
  const workloadOf = (e: HistoryEvent): string => ownerOf(owners, e.key) ?? names[0] ?? 'unknown';
  const invoked = new Map<number, number>();
  return {
    url: sink.url,
    events(events) {
      for (const e of events) {
        if (e.final) continue;
        if (e.process === 'nemesis') {
          if (!e.fault || (e.f !== 'start' && e.f !== 'stop')) continue;
          // an info start may be in effect; an info stop failed to heal, so it still is
          if (e.type === 'ok' || (e.type === 'info' && e.f === 'start')) {
            sink.recordFault({ id: e.fault.id, kind: e.fault.kind, targets: e.fault.targets ?? [], event: e.f, time: wall(e.time) });
          }
          continue;
        }
        if (e.type === 'invoke') {
          if (e.time !== undefined) invoked.set(e.process, e.time);
          continue;
        }
        const t0 = invoked.get(e.process);
        invoked.delete(e.process);
        sink.recordOp({
          workload: workloadOf(e),
          status: e.type,
          ...(t0 !== undefined && e.time !== undefined && e.time >= t0 ? { latencyUs: (e.time - t0) / 1000 } : {}),
          time: wall(e.time),
        });
      }
    },
    counters(node, device, counters, time) {
      sink.recordCounters({ node, device, counters, time: wall(time) });
    },
    close: () => sink.close(),
  };
}

/** a workload's tag: its kind, with its index when the campaign has several of that kind */
function workloadNames(plan: RunPlan): string[] {
  const kinds = plan.workloads.map((w) => w.spec.workload);
  return kinds.map((k, i) => (kinds.filter((x) => x === k).length > 1 ? `${k}#${i}` : k));
}
