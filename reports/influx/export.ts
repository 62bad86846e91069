// `rdma-chaos report RUN_DIR --influx URL`: writes a finished run's metrics (per-second op
// rates and latencies per workload, fault start/stop, rxe counter samples) to InfluxDB, in the
// same measurements a live run streams. Unlike the live sink, a failure here is an error.
import type { IPoint } from 'influx';
import { InputError, healed, timeBase } from '../../harness/core';
import { workloadIndex } from '../metrics';
import { loadRun } from '../run';
import { influxTarget, openClient, scrub, type TargetOptions } from './client';
import { counterPoint, faultPoint, PerSecond } from './points';

export interface ExportOptions extends TargetOptions {
  tags?: Record<string, string>;
  requestTimeoutMs?: number;
}

export interface ExportResult {
  url: string;
  database: string;
  points: number;
}

/** The run's points, timed from its startedAt (history times are monotonic, not wall clock). */
export function runPoints(runDir: string, extraTags: Record<string, string> = {}): IPoint[] {
  const run = loadRun(runDir);
  const r = run.results;
  const tb = timeBase(run.ops, run.faults);
  const wall0 = Date.parse(r.startedAt);
  const wall = (t: number): number => wall0 + (tb.timed ? (t - tb.t0) / 1e6 : 0);
  const tags = Object.fromEntries(Object.entries({ campaign: r.campaign, run: runDir.split(/[\\/]/).filter(Boolean).pop() ?? '', ...extraTags }).filter(([, v]) => v !== ''));
  const wi = workloadIndex(run.ops, run.results.workloads);
  const ps = new PerSecond();
  run.ops.forEach((op, i) => {
    if (op.final) return;
    const s: Parameters<PerSecond['add']>[0] = { workload: wi.names[wi.of[i]!]!, status: op.status, time: wall(tb.end[i]!) };
    if (op.status === 'ok' && tb.timed && op.retTime !== undefined) s.latencyUs = (tb.end[i]! - tb.start[i]!) / 1000;
    ps.add(s, 0);
  });
  const points = ps.drain(tags);
  for (const w of run.faults) {
    points.push(faultPoint({ id: w.id, kind: w.kind, targets: w.targets, event: 'start', time: wall(tb.faultStart(w)) }, tags, 0));
    if (healed(w)) points.push(faultPoint({ id: w.id, kind: w.kind, targets: w.targets, event: 'stop', time: wall(tb.faultStop(w)) }, tags, 0));
  }
  for (const s of run.counterSamples) {
    const p = counterPoint({ ...s, time: wall(s.time) }, tags, 0);
    if (p) points.push(p);
  }
  return points;
}

export async function exportRunToInflux(runDir: string, o: ExportOptions): Promise<ExportResult> {
  const t = influxTarget(o);
  const points = runPoints(runDir, o.tags);
  const client = openClient(t, o.requestTimeoutMs ?? 10_000);
  try {
    await client.createDatabase(t.database);
    for (let i = 0; i < points.length; i += 5000) await client.writePoints(points.slice(i, i + 5000), { database: t.database, precision: 'ms' });
  } catch (e: unknown) {
    throw new InputError('influx.unreachable', `InfluxDB at ${t.display}: ${scrub(e instanceof Error ? e.message : String(e), t)}`);
  }
  return { url: t.display, database: t.database, points: points.length };
}
