// A brute-force linearizability oracle for property tests: tries every order that respects
// real time and each process's program order, with each indeterminate op either placed (after its call) or left out. No memo,
// no reductions, nothing shared with the search but the model's step function.
import type { Operation } from '../../core';
import type { AnyModel } from '../model';

export function bruteLinearizable(model: AnyModel, ops: readonly Operation[]): boolean {
  const parts = model.partition ? model.partition(ops) : [ops.slice()];
  return parts.every((p) => brutePart(model, p));
}

function brutePart(model: AnyModel, ops: readonly Operation[]): boolean {
  const live = ops.filter((op) => op.status !== 'fail');
  const prepared = live.map((op) => model.prepare(op, op.status === 'ok'));
  const n = live.length;
  const placed = new Array<boolean>(n).fill(false);
  const mustPlace = live.map((op) => op.status === 'ok');
  // program order: an op goes after its process's earlier ok ops
  const earlier = live.map((op, i) => live.flatMap((o, j) => (j < i && o.process === op.process && o.status === 'ok' ? [j] : [])));
  const go = (state: unknown, lastCall: number): boolean => {
    // done when every ok op is placed; unplaced info ops never took effect
    if (mustPlace.every((m, i) => !m || placed[i])) return true;
    for (let i = 0; i < n; i++) {
      if (placed[i]) continue;
      const op = live[i]!;
      // op may go next only if no unplaced ok op returned before op was called
      let ok = true;
      for (let j = 0; j < n && ok; j++) if (!placed[j] && j !== i && mustPlace[j] && live[j]!.ret < op.call) ok = false;
      if (!ok || earlier[i]!.some((j) => !placed[j])) continue;
      // nor after an op that was called once this op had returned
      if (op.ret < lastCall) continue;
      const ns = model.step(state, prepared[i]);
      if (ns === undefined) continue;
      placed[i] = true;
      if (go(ns, Math.max(lastCall, op.call))) return true;
      placed[i] = false;
    }
    return false;
  };
  return go(model.init(), -1);
}
