// The search's event list of ok ops (Wing & Gong): op i has call node 2i+1 and return node
// 2i+2, linked by rank, a call before a return of equal rank (touching intervals overlap).
// Linearizing an op lifts both its nodes out; backtracking puts them back in place.
import { argsort } from './order';

export const HEAD = 0;
export const NIL = -1;

export function buildList(known: Uint8Array, call: Float64Array, ret: Float64Array): { next: Int32Array; prev: Int32Array } {
  const n = known.length;
  let ok = 0;
  for (let i = 0; i < n; i++) ok += known[i]!;
  const nodeIds = new Int32Array(2 * ok);
  const keys = new Float64Array(2 * ok);
  for (let i = 0, m = 0; i < n; i++) {
    if (!known[i]) continue;
    nodeIds[m] = 2 * i + 1;
    nodeIds[m + 1] = 2 * i + 2;
    keys[m++] = 2 * call[i]!;
    keys[m++] = 2 * ret[i]! + 1;
  }
  const order = argsort(keys);
  const next = new Int32Array(2 * n + 1).fill(NIL);
  const prev = new Int32Array(2 * n + 1).fill(NIL);
  let last = HEAD;
  for (let r = 0; r < order.length; r++) {
    const v = nodeIds[order[r]!]!;
    next[last] = v;
    prev[v] = last;
    last = v;
  }
  return { next, prev };
}

export function lift(next: Int32Array, prev: Int32Array, i: number): void {
  const c = 2 * i + 1;
  const r = c + 1;
  next[prev[c]!] = next[c]!;
  if (next[c]! !== NIL) prev[next[c]!] = prev[c]!;
  next[prev[r]!] = next[r]!;
  if (next[r]! !== NIL) prev[next[r]!] = prev[r]!;
}

export function unlift(next: Int32Array, prev: Int32Array, i: number): void {
  const c = 2 * i + 1;
  const r = c + 1;
  next[prev[r]!] = r;
  if (next[r]! !== NIL) prev[next[r]!] = r;
  next[prev[c]!] = c;
  if (next[c]! !== NIL) prev[next[c]!] = c;
}
