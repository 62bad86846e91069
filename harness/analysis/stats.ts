// Per-workload op counts, rate and ok-latency percentiles for results.json; the final snapshot
// reads are left out.
import { percentile, round, type Operation, type TimeBase, type WorkloadStats } from '../core';

/** `workloadOf`: the workload an op belongs to (its key's owner); stats come in first-seen order */
export function workloadStats(ops: readonly Operation[], tb: TimeBase, workloadOf: (op: Operation) => string): WorkloadStats[] {
  const secs = tb.timed ? Math.max(1e-9, (tb.t1 - tb.t0) / 1e9) : 1;
  const acc = new Map<string, { ok: number; fail: number; info: number; lat: number[] }>();
  // keys are grouped in the order their first op appears, as the report draws them
  for (const op of ops) {
    const w = workloadOf(op);
    if (!acc.has(w)) acc.set(w, { ok: 0, fail: 0, info: 0, lat: [] });
  }
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.final) continue;
    const a = acc.get(workloadOf(op))!;
    if (op.status === 'ok') {
      a.ok++;
      if (tb.timed && op.retTime !== undefined) a.lat.push((tb.end[i]! - tb.start[i]!) / 1000);
    } else if (op.status === 'fail') a.fail++;
    else a.info++;
  }
  return [...acc].map(([workload, a]) => {
    const lat = Float64Array.from(a.lat).sort();
    const s: WorkloadStats = { workload, ops: a.ok + a.fail + a.info, ok: a.ok, fail: a.fail, info: a.info, opsPerSec: round((a.ok + a.fail + a.info) / secs) };
    if (lat.length) {
      s.latencyP50Us = round(percentile(lat, 0.5));
      s.latencyP99Us = round(percentile(lat, 0.99));
    }
    return s;
  });
}
