// Locality for a whole-state model whose ops each touch one part of the state (the model's
// footprint: a key of a map). Herlihy and Wing: a history is linearizable iff each key's
// sub-history is. So the search runs per footprint, and a valid verdict is then certified on
// the whole state: the per-key orders are merged into one order that respects real time, and
// that order is replayed through the model from its initial state. Only a replay that passes
// gives "valid"; anything else sends the caller back to the whole-state search.
import type { AnyModel } from '../model';
import type { Entry } from './entries';

/** entries split by footprint, in history order within each */
export function splitByFootprint(model: AnyModel, entries: readonly Entry<unknown>[]): Entry<unknown>[][] {
  const by = new Map<number, Entry<unknown>[]>();
  for (const e of entries) {
    const f = model.footprint!(e.p);
    const l = by.get(f);
    if (l) l.push(e);
    else by.set(f, [e]);
  }
  return [...by.values()];
}

/**
 * One order of every linearized entry: each key's order kept, and no entry placed before one
 * that returned before it was called. Kahn's algorithm over the key chains, where a chain's
 * head is ready once every entry returning before its call is placed. Undefined if stuck.
 */
export function mergeOrders(chains: readonly (readonly Entry<unknown>[])[]): Entry<unknown>[] | undefined {
  const all = chains.flat();
  const byRet = all.slice().sort((a, b) => a.op.ret - b.op.ret);
  const placed = new Set<Entry<unknown>>();
  const pos = chains.map(() => 0);
  const out: Entry<unknown>[] = [];
  let f = 0;
  while (out.length < all.length) {
    while (f < byRet.length && placed.has(byRet[f]!)) f++;
    const frontier = f < byRet.length ? byRet[f]!.op.ret : Infinity;
    let picked = -1;
    for (let c = 0; c < chains.length; c++) {
      const head = chains[c]![pos[c]!];
      // every entry returning before head's call is placed iff the first unplaced one returns after it
      if (head && frontier > head.op.call) {
        picked = c;
        break;
      }
    }
    if (picked < 0) return undefined;
    const e = chains[picked]![pos[picked]!++]!;
    placed.add(e);
    out.push(e);
  }
  return out;
}

/** true if `order` holds every ok entry, respects real time, and is legal for the model from its initial state */
export function certify(model: AnyModel, entries: readonly Entry<unknown>[], order: readonly Entry<unknown>[]): boolean {
  const inOrder = new Set(order);
  if (inOrder.size !== order.length || entries.some((e) => e.known && !inOrder.has(e))) return false;
  // real time: nothing placed after an entry may have returned before that entry's call
  let minRetAfter = Infinity;
  for (let i = order.length - 1; i >= 0; i--) {
    if (minRetAfter < order[i]!.op.call) return false;
    minRetAfter = Math.min(minRetAfter, order[i]!.op.ret);
  }
  let s: unknown = model.init();
  for (const e of order) {
    s = model.step(s, e.p);
    if (s === undefined) return false;
  }
  return true;
}
