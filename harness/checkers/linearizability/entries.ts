// The search's view of an operation: the model's prepared input, whether its output is known,
// and the equivalence class of indeterminate ops (equal f, key, argument and process: members
// of one process are in program order, so taking them in call order loses no linearization).
import type { Operation } from '../../core';
import type { Model } from '../model';

export interface Entry<P> {
  op: Operation;
  p: P;
  known: boolean;
  readOnly: boolean;
  /** equivalence class of an indeterminate op (same f, key, argument, process); -1 for ok ops */
  cls: number;
}

export function prepareEntries<S, P>(model: Model<S, P>, ops: readonly Operation[]): Entry<P>[] {
  const classes = new Map<string, number>();
  const out: Entry<P>[] = [];
  for (const op of ops) {
    if (op.status === 'fail') continue; // it did not take effect
    const known = op.status === 'ok';
    const p = model.prepare(op, known);
    const ro = model.readOnly(p);
    if (!known && ro) continue; // an unknown read constrains nothing
    let cls = -1;
    if (!known) {
      const k = `${op.f}\u0000${String(op.key)}\u0000${JSON.stringify(op.value)}\u0000${op.process}`;
      cls = classes.get(k) ?? classes.size;
      classes.set(k, cls);
    }
    out.push({ op, p, known, readOnly: ro, cls });
  }
  // each dropped op is one branch fewer at every point of the search after its call
  const drop = model.droppable?.(out);
  const kept = drop ? out.filter((_, i) => !drop[i]) : out;
  const canon = model.canonical?.(kept);
  if (canon) kept.forEach((e, i) => (e.p = canon[i]!));
  return kept;
}

