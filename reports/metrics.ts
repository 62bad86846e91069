// Numbers derived from a history for reports and metrics: the time base, which workload each
// op belongs to, per-workload stats and per-bucket throughput/latency series.
import { defaultModelName } from '../harness/checkers/models';
import type { FaultWindow, Operation } from '../harness/history';
import type { WorkloadStats } from '../harness/store/results';

/** Op start/end on one axis (ns). Untimed histories fall back to event ranks. */
export interface TimeBase {
  timed: boolean;
  t0: number;
  t1: number;
  start: Float64Array;
  end: Float64Array;
  faultStart(w: FaultWindow): number;
  /** the end of the run when the fault was never healed in the history */
  faultStop(w: FaultWindow): number;
}

export function timeBase(ops: readonly Operation[], faults: readonly FaultWindow[]): TimeBase {
  const timed = ops.length > 0 && ops.every((op) => op.callTime !== undefined);
  const n = ops.length;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  let t0 = Infinity;
  let t1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    const s = timed ? op.callTime! : op.call;
    let e = timed ? op.retTime ?? NaN : Number.isFinite(op.ret) ? op.ret : NaN;
    if (Number.isNaN(e)) e = s;
    start[i] = s;
    end[i] = e;
    if (s < t0) t0 = s;
    if (e > t1) t1 = e;
  }
  const fs = (w: FaultWindow): number => (timed ? w.startTime ?? w.start : w.start);
  const fe = (w: FaultWindow): number | undefined => (Number.isFinite(w.stop) ? (timed ? w.stopTime ?? w.stop : w.stop) : undefined);
  for (const w of faults) {
    t0 = Math.min(t0, fs(w));
    const e = fe(w);
    if (e !== undefined) t1 = Math.max(t1, e);
  }
  if (!Number.isFinite(t0)) t0 = 0;
  if (!Number.isFinite(t1) || t1 <= t0) t1 = t0 + 1;
  // ops still open at the end (info without a completion) run to the end of the run
  for (let i = 0; i < n; i++) if (end[i]! === start[i]! && ops[i]!.status === 'info' && ops[i]!.retTime === undefined && timed) end[i] = t1;
  return { timed, t0, t1, start, end, faultStart: fs, faultStop: (w) => fe(w) ?? t1 };
}

/** Workload of every op: the model its key's operations call for (counter, register, ...). */
export interface WorkloadIndex {
  names: string[];
  of: Uint8Array;
}

export function workloadIndex(ops: readonly Operation[]): WorkloadIndex {
  const byKey = new Map<string, number[]>();
  ops.forEach((op, i) => {
    const k = op.key === undefined ? '' : String(op.key);
    let l = byKey.get(k);
    if (!l) byKey.set(k, (l = []));
    l.push(i);
  });
  const names: string[] = [];
  const of = new Uint8Array(ops.length);
  for (const idx of byKey.values()) {
    let name: string = defaultModelName('native', idx.map((i) => ops[i]!));
    if (name === 'queue') name = 'send-stream';
    let w = names.indexOf(name);
    if (w < 0) w = names.push(name) - 1;
    for (const i of idx) of[i] = w;
  }
  return { names, of };
}

function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Per-workload counts, rate and ok-latency percentiles; final snapshot reads are left out. */
export function workloadStats(ops: readonly Operation[], tb: TimeBase, wi: WorkloadIndex = workloadIndex(ops)): WorkloadStats[] {
  const secs = tb.timed ? Math.max(1e-9, (tb.t1 - tb.t0) / 1e9) : 1;
  const acc = wi.names.map(() => ({ ok: 0, fail: 0, info: 0, lat: [] as number[] }));
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.final) continue;
    const a = acc[wi.of[i]!]!;
    if (op.status === 'ok') {
      a.ok++;
      if (tb.timed && op.retTime !== undefined) a.lat.push((tb.end[i]! - tb.start[i]!) / 1000);
    } else if (op.status === 'fail') a.fail++;
    else a.info++;
  }
  return wi.names.map((workload, w) => {
    const { ok, fail, info } = acc[w]!;
    const lat = Float64Array.from(acc[w]!.lat).sort();
    const s: WorkloadStats = { workload, ops: ok + fail + info, ok, fail, info, opsPerSec: round((ok + fail + info) / secs) };
    if (lat.length) {
      s.latencyP50Us = round(percentile(lat, 0.5));
      s.latencyP99Us = round(percentile(lat, 0.99));
    }
    return s;
  });
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export interface Series {
  t0: number;
  bucketNs: number;
  buckets: number;
  workloads: string[];
  /** completions per second, per workload, per bucket */
  rate: number[][];
  /** fail + info completions per second, per bucket */
  errors: number[];
  /** ok-op latency per bucket in µs (NaN where the bucket has none) */
  p50: number[];
  p99: number[];
  max: number[];
}

/** Throughput and latency over time, bucketed by completion time. */
export function series(ops: readonly Operation[], tb: TimeBase, wi: WorkloadIndex, buckets = 200): Series {
  const span = tb.t1 - tb.t0;
  const bucketNs = span / buckets;
  const counts = wi.names.map(() => new Array<number>(buckets).fill(0));
  const errors = new Array<number>(buckets).fill(0);
  const lats: number[][] = Array.from({ length: buckets }, () => []);
  ops.forEach((op, i) => {
    if (op.final) return;
    const b = Math.min(buckets - 1, Math.max(0, Math.floor((tb.end[i]! - tb.t0) / bucketNs)));
    counts[wi.of[i]!]![b]!++;
    if (op.status !== 'ok') errors[b]!++;
    else if (tb.timed && op.retTime !== undefined) lats[b]!.push((tb.end[i]! - tb.start[i]!) / 1000);
  });
  const perSec = tb.timed ? 1e9 / bucketNs : 1;
  const p50: number[] = [], p99: number[] = [], max: number[] = [];
  for (const l of lats) {
    const a = Float64Array.from(l).sort();
    p50.push(round(percentile(a, 0.5)));
    p99.push(round(percentile(a, 0.99)));
    max.push(a.length ? round(a[a.length - 1]!) : NaN);
  }
  return {
    t0: tb.t0,
    bucketNs,
    buckets,
    workloads: wi.names,
    rate: counts.map((c) => c.map((x) => round(x * perSec))),
    errors: errors.map((x) => round(x * perSec)),
    p50,
    p99,
    max,
  };
}
