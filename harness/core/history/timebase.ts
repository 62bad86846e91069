// One time axis for a history's ops and fault windows (ns), or event ranks when it is untimed.
import { windowStart, windowStop, type FaultWindow } from '../faults';
import type { Operation } from './ops';

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
  const fs = (w: FaultWindow): number => windowStart(w, timed);
  const fe = (w: FaultWindow): number | undefined => windowStop(w, timed);
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
