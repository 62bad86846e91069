// A run whose clients take a new process id after every op (as a Jepsen-style client does after
// an indeterminate one): `slots` clients on one node, each running ops back to back, so the
// history has hundreds of one-op processes and never more than `slots` ops open at once.
// Written with the real writers (HistoryWriter, writeResults).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HistoryWriter, RUN_FILES, writeResults, type HistoryEvent, type RunResults } from '../../harness/core';

export interface OneOpRunOptions {
  dir: string;
  slots: number;
  /** ops per slot */
  perSlot: number;
  node?: string;
  /** the workload that owns every key (results.json's workloads) */
  workload?: string;
  seed?: number;
}

export function writeOneOpRun(o: OneOpRunOptions): { ops: number; processes: number } {
  fs.mkdirSync(o.dir, { recursive: true });
  const node = o.node ?? 'node1';
  const workload = o.workload ?? 'w1';
  let seed = o.seed ?? 7;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const events: HistoryEvent[] = [];
  let proc = 1;
  const t0 = 1e9;
  for (let s = 0; s < o.slots; s++) {
    let t = t0 + s * 37_000;
    for (let i = 0; i < o.perSlot; i++) {
      const dur = 100_000 + Math.floor(rand() * 200_000);
      const key = `${workload}@${s}`;
      const type = rand() < 0.1 ? 'info' : 'ok';
      const p = proc++;
      events.push({ type: 'invoke', process: p, f: 'write', node, key, value: i, time: t });
      events.push({ type, process: p, f: 'write', node, key, value: i, time: t + dur, ...(type === 'info' ? { error: 'IBV_WC_RETRY_EXC_ERR' } : {}) });
      t += dur + 10_000 + Math.floor(rand() * 40_000);
    }
  }
  // the file in time order, as the controller writes it
  events.sort((a, b) => a.time! - b.time!);
  const w = new HistoryWriter(path.join(o.dir, RUN_FILES.history));
  w.append(events);
  w.close();
  const end = Math.max(...events.map((e) => e.time!));
  const r: RunResults = {
    schema: 1,
    campaign: 'one-op-processes',
    seed: o.seed ?? 7,
    startedAt: '2025-01-01T02:00:00.000Z',
    endedAt: new Date(Date.parse('2025-01-01T02:00:00.000Z') + (end - t0) / 1e6).toISOString(),
    durationMs: Math.round((end - t0) / 1e6),
    cluster: { driver: 'local', nodes: [node, 'node2'], rails: 2 },
    verdict: 'valid',
    checks: [],
    findings: [],
    faults: [],
    counters: [],
    stats: [],
    workloads: [{ workload, keys: [`${workload}@`] }],
    clean: true,
  };
  writeResults(o.dir, r);
  return { ops: o.slots * o.perSlot, processes: proc - 1 };
}

/** the most ops open at one instant: a sweep over [start, end] intervals */
export function maxConcurrency(spans: readonly { s: number; e: number }[]): number {
  const pts = spans.flatMap((x) => [
    [x.s, 1],
    [x.e, -1],
  ] as const);
  // at equal times a start comes first: touching intervals count as overlapping (as in the lanes)
  pts.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let open = 0;
  let max = 0;
  for (const [, d] of pts) max = Math.max(max, (open += d));
  return max;
}
