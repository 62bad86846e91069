// Dead reads for models without pins (kv): a pending ok read that can no longer become legal
// fails the node. The model's test is conservative; the pending ops handed to it are every
// unlinearized ok op called before the read returns and every indeterminate class with a
// member left (more pending ops only make the test say "reachable" more often).
import type { Model } from '../model';
import type { Entry } from './entries';

const NIL = -1;
/** list entries looked at for dead reads at each node */
const DEAD_READ_WINDOW = 128;

/** what the dead-read tests see of the search */
export interface ListView<P> {
  readonly next: Int32Array;
  readonly known: Uint8Array;
  readonly readOnly: Uint8Array;
  readonly e: readonly Entry<P>[];
  readonly fp: Int32Array | undefined;
  readonly model: Model<unknown, P> | Model<never, P>;
  readonly state: unknown;
  pendingInfo(f?: number): P[];
}

type Unreachable<P> = (s: unknown, p: P, pending: readonly P[]) => boolean;

/**
 * Is some pending ok read already impossible? For each read whose return is among the first
 * entries of the list, the ops that may still precede it are the unlinearized ones called
 * before its return; the model's conservative test decides. Bounded to keep nodes cheap.
 */
export function deadRead<P>(v: ListView<P>): boolean {
  const { next, readOnly, known, e } = v;
  const unreachable = (v.model.unreachable as Unreachable<P>).bind(v.model);
  const pending = v.pendingInfo();
  let seen = 0;
  for (let node = next[0]!; node !== NIL && seen < DEAD_READ_WINDOW; node = next[node]!, seen++) {
    const i = (node - 1) >> 1;
    if ((node & 1) === 1) {
      if (!readOnly[i]) pending.push(e[i]!.p);
      continue;
    }
    const r = (node - 2) >> 1;
    if (readOnly[r] && known[r] && unreachable(v.state, e[r]!.p, pending)) return true;
  }
  return false;
}

/**
 * Is some pending ok read with footprint `f` impossible now? Only the last step changed the
 * state, within its footprint, so only those reads can have become impossible; each is
 * checked against the unlinearized ops of that footprint called before its return.
 */
export function deadReadOf<P>(v: ListView<P>, f: number): boolean {
  const { next, readOnly, known, e, fp } = v;
  const unreachable = (v.model.unreachable as Unreachable<P>).bind(v.model);
  const pending = v.pendingInfo(f);
  for (let node = next[0]!; node !== NIL; node = next[node]!) {
    const i = (node - 1) >> 1;
    if ((node & 1) === 1) {
      if (!readOnly[i] && fp![i] === f) pending.push(e[i]!.p);
      continue;
    }
    const r = (node - 2) >> 1;
    if (readOnly[r] && known[r] && fp![r] === f && unreachable(v.state, e[r]!.p, pending)) return true;
  }
  return false;
}
