// Shrinks a non-linearizable partition to a small core: ops whose recorded outcomes alone make
// the history impossible, whatever every other op did. An op leaves the core by being relaxed
// to indeterminate (it may or may not have taken effect, its output unknown), which can only
// make a history easier to linearize, so a core found this way is a real explanation.
import type { Operation } from '../../core';
import type { AnyModel } from '../model';
import { prepareEntries } from './entries';
import { refutedEntry } from './refute';
import { WglSearch } from './wgl';

export interface Core {
  /** the ops that kept their recorded outcome, in history order */
  ops: Operation[];
  /** true when every op left in the core was tried alone (1-minimal) */
  complete: boolean;
}

function relax(op: Operation): Operation {
  const r: Operation = { ...op, status: 'info', ret: Infinity };
  delete r.result;
  return r;
}

function stillInvalid(model: AnyModel, ops: readonly Operation[], deadline: number): boolean | undefined {
  const entries = prepareEntries(model, ops);
  // what refutes without a search refutes the relaxed history too, in O(n log n): a search of
  // a 69k-op CAS history with half its ok ops relaxed ran to 4 GB before its deadline
  if (refutedEntry(model, entries) !== undefined) return true;
  const s = new WglSearch(model, entries);
  for (;;) {
    const r = s.run(4096);
    if (r) return r.verdict === 'invalid';
    if (Date.now() > deadline) return undefined;
  }
}

/** ddmin over the ok ops (the blocked one always stays); stops at the deadline. */
export function shrink(model: AnyModel, ops: readonly Operation[], blocked: Operation, deadline: number): Core {
  const current = ops.slice();
  // candidates: ok ops other than the blocked one, farthest from it first
  let cands = current.map((op, i) => ({ op, i })).filter((c) => c.op.status === 'ok' && c.op.id !== blocked.id);
  cands.sort((a, b) => Math.abs(b.op.call - blocked.call) - Math.abs(a.op.call - blocked.call));
  let chunk = Math.max(1, Math.ceil(cands.length / 2));
  for (;;) {
    let progress = false;
    for (let start = 0; start < cands.length; start += chunk) {
      if (Date.now() > deadline) return finish(current, false);
      const group = cands.slice(start, start + chunk);
      const saved = group.map((c) => current[c.i]!);
      for (const c of group) current[c.i] = relax(c.op);
      const r = stillInvalid(model, current, deadline);
      if (r === true) {
        progress = true;
        cands = cands.filter((c) => !group.includes(c));
        start -= chunk;
      } else {
        group.forEach((c, k) => (current[c.i] = saved[k]!));
        if (r === undefined) return finish(current, false);
      }
    }
    if (chunk === 1 && !progress) return finish(current, true);
    if (!progress || chunk > 1) chunk = Math.max(1, Math.floor(chunk / 2));
  }
}

function finish(current: Operation[], complete: boolean): Core {
  return { ops: current.filter((op) => op.status === 'ok'), complete };
}
