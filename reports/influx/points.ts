// The measurements rdma-chaos writes, and the per-second aggregation of op completions.
import type { IPoint } from 'influx';

export const MEASUREMENTS = { ops: 'rdma_chaos_ops', fault: 'rdma_chaos_fault', rxe: 'rdma_chaos_rxe' } as const;

export interface OpSample {
  workload: string;
  status: 'ok' | 'fail' | 'info';
  /** completion latency; ok ops only count towards the percentiles */
  latencyUs?: number;
  /** wall-clock ms of the completion (default: now) */
  time?: number;
}

export interface FaultEvent {
  id: string;
  kind: string;
  targets: string[];
  event: 'start' | 'stop';
  time?: number;
}

export interface CounterSampleIn {
  node: string;
  device: string;
  counters: Record<string, number>;
  time?: number;
}

interface Bucket {
  ok: number;
  fail: number;
  info: number;
  lat: number[];
}

/**
 * Op completions folded into one point per workload per wall-clock second. Completions reach
 * the controller in batches, often after their second was written: a drained second is kept
 * (for `retainSec`) and a late completion rewrites its point with the new totals (InfluxDB
 * replaces the fields of a point with the same series and timestamp), so no count is lost.
 */
export class PerSecond {
  private readonly open = new Map<number, Map<string, Bucket>>();
  private readonly written = new Map<number, Map<string, Bucket>>();
  private readonly dirty = new Set<number>();

  constructor(private readonly retainSec = 120) {}

  add(s: OpSample, now: number): void {
    const sec = Math.floor((s.time ?? now) / 1000);
    let m = this.written.get(sec);
    if (m) this.dirty.add(sec);
    else {
      m = this.open.get(sec);
      if (!m) this.open.set(sec, (m = new Map()));
    }
    let b = m.get(s.workload);
    if (!b) m.set(s.workload, (b = { ok: 0, fail: 0, info: 0, lat: [] }));
    b[s.status]++;
    if (s.status === 'ok' && s.latencyUs !== undefined && Number.isFinite(s.latencyUs)) b.lat.push(s.latencyUs);
  }

  /** points for every second that ended before `before` (ms), and rewrites of seconds that got late completions; all of them when undefined */
  drain(tags: Record<string, string>, before?: number): IPoint[] {
    const due: number[] = [...this.dirty];
    this.dirty.clear();
    for (const sec of this.open.keys()) if (before === undefined || (sec + 1) * 1000 <= before) due.push(sec);
    const out: IPoint[] = [];
    for (const sec of due.sort((a, b) => a - b)) {
      const m = this.open.get(sec) ?? this.written.get(sec);
      if (!m) continue;
      this.open.delete(sec);
      this.written.set(sec, m);
      for (const [workload, b] of m) out.push(opPoint(sec, workload, b, tags));
    }
    if (before !== undefined) for (const sec of this.written.keys()) if ((sec + this.retainSec) * 1000 < before) this.written.delete(sec);
    return out;
  }
}

function opPoint(sec: number, workload: string, b: Bucket, tags: Record<string, string>): IPoint {
  const fields: Record<string, number> = { ok: b.ok, fail: b.fail, info: b.info, ops_per_sec: b.ok + b.fail + b.info };
  if (b.lat.length) {
    const l = Float64Array.from(b.lat).sort();
    fields.p50_us = l[Math.floor(0.5 * (l.length - 1))]!;
    fields.p99_us = l[Math.floor(0.99 * (l.length - 1))]!;
    fields.max_us = l[l.length - 1]!;
  }
  return { measurement: MEASUREMENTS.ops, tags: { ...tags, workload }, fields, timestamp: new Date(sec * 1000) };
}

export function faultPoint(e: FaultEvent, tags: Record<string, string>, now: number): IPoint {
  return { measurement: MEASUREMENTS.fault, tags: { ...tags, kind: e.kind, fault_id: e.id, targets: e.targets.join(',') }, fields: { active: e.event === 'start' ? 1 : 0, event: e.event }, timestamp: new Date(e.time ?? now) };
}

export function counterPoint(s: CounterSampleIn, tags: Record<string, string>, now: number): IPoint | undefined {
  const fields = Object.fromEntries(Object.entries(s.counters).filter(([, v]) => Number.isFinite(v)));
  if (Object.keys(fields).length === 0) return undefined;
  return { measurement: MEASUREMENTS.rxe, tags: { ...tags, node: s.node, device: s.device }, fields, timestamp: new Date(s.time ?? now) };
}
