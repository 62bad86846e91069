// rxe hardware counter deltas per fault window, from the samples in counters.jsonl, for
// results.json (the report shows them; it never computes them).
import type { CounterDelta, FaultWindow, RunCounterSample, TimeBase } from '../core';

export interface CounterWindow {
  /** fault id, or 'baseline' (before the first fault) / 'run' (the whole run) */
  window: string;
  from: number;
  to: number;
}

/** The windows results.json gives deltas for: baseline, one per fault, and the whole run. */
export function counterWindows(faults: readonly FaultWindow[], tb: TimeBase): CounterWindow[] {
  const out: CounterWindow[] = [];
  const first = faults.length ? Math.min(...faults.map(tb.faultStart)) : tb.t1;
  if (first > tb.t0) out.push({ window: 'baseline', from: tb.t0, to: first });
  for (const f of faults) out.push({ window: f.id, from: tb.faultStart(f), to: tb.faultStop(f) });
  out.push({ window: 'run', from: tb.t0, to: tb.t1 });
  return out;
}

/**
 * Delta of every counter of every node/device over each window: the last sample at or before
 * the window's start against the first sample at or after its end (the nearest ones when the
 * sampling does not reach that far).
 */
export function counterDeltas(samples: readonly RunCounterSample[], windows: readonly CounterWindow[]): CounterDelta[] {
  const byDev = new Map<string, RunCounterSample[]>();
  for (const s of samples) {
    const k = `${s.node}\u0000${s.device}`;
    let l = byDev.get(k);
    if (!l) byDev.set(k, (l = []));
    l.push(s);
  }
  const out: CounterDelta[] = [];
  for (const list of byDev.values()) {
    list.sort((a, b) => a.time - b.time);
    for (const w of windows) {
      const before = lastAtOrBefore(list, w.from) ?? list[0]!;
      const after = firstAtOrAfter(list, w.to) ?? list[list.length - 1]!;
      const deltas: Record<string, number> = {};
      for (const [name, v] of Object.entries(after.counters)) deltas[name] = v - (before.counters[name] ?? 0);
      out.push({ node: list[0]!.node, device: list[0]!.device, window: w.window, deltas });
    }
  }
  return out;
}

function lastAtOrBefore(list: readonly RunCounterSample[], t: number): RunCounterSample | undefined {
  let r: RunCounterSample | undefined;
  for (const s of list) {
    if (s.time > t) break;
    r = s;
  }
  return r;
}

function firstAtOrAfter(list: readonly RunCounterSample[], t: number): RunCounterSample | undefined {
  return list.find((s) => s.time >= t);
}
