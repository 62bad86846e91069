// The search's view of an operation: the model's prepared input, whether its output is known,
// and the equivalence class of indeterminate ops (equal f, key, argument, process and previous
// ok op of the process: taking its members in call order loses no linearization).
import type { Operation } from '../../core';
import type { Model } from '../model';

export interface Entry<P> {
  op: Operation;
  p: P;
  known: boolean;
  /** an indeterminate op's classes (one object for the few of them: a 1M-op history has 1M entries) */
  info: InfoClass | undefined;
}

export interface InfoClass {
  /** equivalence class (same f, key, argument, process and previous ok op of the process) */
  cls: number;
  /** the class without the process: the same input to the model */
  sig: number;
}

export function prepareEntries<S, P>(model: Model<S, P>, ops: readonly Operation[]): Entry<P>[] {
  const classes = new Map<string, number>();
  const sigs = new Map<string, number>();
  const lastOk = new Map<number, number>();
  const out: Entry<P>[] = [];
  for (const op of ops) {
    if (op.status === 'fail') continue; // it did not take effect
    const known = op.status === 'ok';
    const p = model.prepare(op, known);
    if (!known && model.readOnly(p)) continue; // an unknown read constrains nothing
    let info: InfoClass | undefined;
    if (!known) {
      const g = `${op.f}\u0000${String(op.key)}\u0000${JSON.stringify(op.value)}`;
      // and the same previous ok op of the process: program order then binds every member
      // alike, so call order among them is safe even where clocks disagree with the file
      const k = `${g}\u0000${op.process}\u0000${lastOk.get(op.process) ?? -1}`;
      const cls = classes.get(k) ?? classes.size;
      classes.set(k, cls);
      const sig = sigs.get(g) ?? sigs.size;
      sigs.set(g, sig);
      info = { cls, sig };
    }
    if (known) lastOk.set(op.process, out.length);
    out.push({ op, p, known, info });
  }
  // each dropped op is one branch fewer at every point of the search after its call
  const drop = model.droppable?.(out);
  const kept = drop ? out.filter((_, i) => !drop[i]) : out;
  const canon = model.canonical?.(kept);
  if (canon) kept.forEach((e, i) => (e.p = canon[i]!));
  return kept;
}

/** what a search ends with: a linearization, or the longest prefix and the op it blocks on */
export type WglOutcome<S> =
  | { verdict: 'valid'; linearization: number[] }
  | {
      verdict: 'invalid';
      /** entry indices of the longest linearizable prefix found, in linearization order */
      longest: number[];
      /** the state after that prefix */
      state: S;
      /** the ok entry that could not be linearized after that prefix */
      blocked: number;
    };
