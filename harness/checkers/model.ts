// A model is a record of pure functions (Porcupine's shape). `prepare` turns an operation into
// the model's compact input once, so the search's inner loop only calls `step` and `key`.
import type { Operation } from '../core';
import type { OpF } from '../core';

export interface Model<S, P> {
  readonly name: string;
  /** the operation functions this model understands */
  readonly fs: readonly OpF[];
  readonly description: string;
  init(): S;
  /** the model's form of an op; `known` is false when its output is unknown (info) */
  prepare(op: Operation, known: boolean): P;
  /** the state after p if p (with its recorded output) is legal in s, else undefined */
  step(s: S, p: P): S | undefined;
  /** equal for equal states; used for memoisation and deduplication */
  key(s: S): string | number;
  /** true when p never changes any state (a read): unknown ones are dropped, ok ones linearize eagerly */
  readOnly(p: P): boolean;
  /**
   * Optional pruning, must be conservative: true only if read-only `p` can never become legal
   * from `s` by applying any sequence of `pending` (the ops that may still be linearized before
   * p returns). The search then abandons the node at once.
   */
  unreachable?(s: S, p: P, pending: readonly P[]): boolean;
  /**
   * Optional, with `unreachable`: the part of the state p reads or writes (a key), as a small
   * integer. A step then can only make reads with its own footprint unreachable, and only ops
   * with that footprint matter to them, so the search checks those reads, all of them.
   */
  footprint?(p: P): number;
  /**
   * Optional, must be sound: which indeterminate ops may be left out because whether they took
   * effect can change no verdict (e.g. a write of a unique value nobody ever observed). Gets
   * every prepared op of a partition; returns true for each op to drop.
   */
  droppable?(ops: readonly { p: P; known: boolean }[]): boolean[];
  /**
   * Optional, must be sound: the index of an ok op that is illegal in every state any order
   * of these ops can reach (it read a value nobody wrote), so no search is needed to refute.
   */
  neverLegal?(ops: readonly { p: P; known: boolean }[]): number | undefined;
  /**
   * Optional, with `recurrence`: the key of the one state an ok op's recorded output allows it
   * in (a read's value, an FADD's or RDMA CAS's old value), or undefined when more than one
   * state will do. The search drops a step that leaves such a state for good while an op
   * pinned there is pending (linearizability/pins.ts).
   */
  pin?(p: P): string | number | undefined;
  /** Optional, with `pin`, must be true of `step`: how a state once left can come back. */
  recurrence?: Recurrence<P>;
  /**
   * Optional, must be sound: the model's inputs with values nobody can tell apart replaced by
   * one (e.g. writes of unique values no op observes). Gets every prepared op of a partition
   * after `droppable`; returns the inputs to search with, one per op.
   */
  canonical?(ops: readonly { p: P; known: boolean }[]): P[];
  /** independent sub-histories (P-compositionality); absent means one partition */
  partition?(ops: readonly Operation[]): Operation[][];
  describeState(s: S): string;
}

/**
 * How a state key the search left behind can become the state again:
 *  - monotone: keys are numbers and `step` never lowers the key, except through ops for which
 *    `mayDecrease` is true (so with none of those pending, a key below the state is gone);
 *  - writers: `step` either keeps the state or sets it to the state whose key `produces` gives,
 *    whatever the state before (undefined: it never changes the state; null: what it sets
 *    depends on the state, so the rule does not apply to a partition holding such an op).
 */
export type Recurrence<P> =
  | {
      kind: 'monotone';
      mayDecrease(p: P): boolean;
      /** optional: true when every legal step of p raises the key (refute.ts) */
      rises?(p: P): boolean;
    }
  | {
      kind: 'writers';
      produces(p: P): string | number | null | undefined;
      /** optional: true when every legal step of p ends in the state `produces` gives (refute.ts) */
      sets?(p: P): boolean;
    };

/** A model with its type parameters hidden, for registries and callers that only pass it on. */
export type AnyModel = Model<unknown, unknown>;

export function partitionByKey(ops: readonly Operation[]): Operation[][] {
  // the key itself: a Map tells 1 from '1' and needs no string per op (1M of them at 1M ops)
  const groups = new Map<string | number | undefined, Operation[]>();
  for (const op of ops) {
    const k = op.key;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(op);
  }
  return [...groups.values()];
}

export function describeOp(op: Operation): string {
  const key = op.key === undefined ? '' : `[${String(op.key)}]`;
  const arg = op.value === undefined ? '' : ` ${JSON.stringify(op.value)}`;
  const res = op.status === 'ok' ? (op.result === undefined ? '' : ` -> ${JSON.stringify(op.result)}`) : ` -> ${op.status}${op.error ? ` (${op.error})` : ''}`;
  return `p${op.process} ${op.f}${key}${arg}${res}`;
}
