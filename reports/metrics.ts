// What the report draws from a history: which workload each op belongs to (as results.json
// says) and per-bucket throughput/latency series.
import { ownerOf, percentile, round, type Operation, type TimeBase, type WorkloadKeys } from '../harness/core';

/** the workload of every op, as an index into `names` */
export interface WorkloadIndex {
  names: string[];
  of: Uint8Array;
}

/** ops grouped by the workload owning their key (results.json says which keys each owns) */
export function workloadIndex(ops: readonly Operation[], owners: readonly WorkloadKeys[] = []): WorkloadIndex {
  const names: string[] = [];
  const of = new Uint8Array(ops.length);
  const byName = new Map<string, number>();
  ops.forEach((op, i) => {
    const name = ownerOf(owners, op.key) ?? OTHER;
    let w = byName.get(name);
    if (w === undefined) byName.set(name, (w = names.push(name) - 1));
    of[i] = w;
  });
  return { names, of };
}

/** the group of ops no workload of the run claims (or all of a run that did not record owners) */
const OTHER = 'other';

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
