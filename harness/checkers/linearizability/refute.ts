// Refutation before any search, from pinned results and real time alone (sound, O(n log n)).
// A search that meets a violation deep in a long history backtracks through every placement
// of the info ops before it (subset sums of mixed FADD deltas: a duplicate at 100k ops was
// unknown after 60 s). The violations nightly runs meet most are visible without an order:
//  - monotone (counter): an ok op pinned at v must see the state v, and the state never goes
//    down. So two rising ops pinned at one v cannot both be linearized (the first leaves v for
//    good), nor can an op pinned at w follow, in real time, one pinned at v > w (or at v = w
//    that rises);
//  - writers (registers): an ok op pinned at v needs the state v, which only writers of v set.
//    If some ok op Y starts after every writer of v has returned, leaves a state other than v
//    (it is pinned at u != v, or always sets a value, never v), and returns before the op is
//    called, the op can never see v (a stale read). An info writer of v returns never: then
//    nothing is refuted for v. With no writer of v at all (nor the initial value), the op is
//    refuted outright.
// Either gives the index of an ok entry that no order can linearize, or undefined.
import type { Model } from '../model';
import type { Entry } from './entries';
import { KeyIds } from '../key-ids';
import { grow } from './memo';
import { argsort } from './order';

/** the model's own outright refusal (a read of a value nobody wrote), else refute() */
export function refutedEntry<S, P>(model: Model<S, P>, entries: readonly Entry<P>[]): number | undefined {
  return model.neverLegal?.(entries) ?? refute(model, entries);
}

export function refute<S, P>(model: Model<S, P>, entries: readonly Entry<P>[]): number | undefined {
  const rec = model.recurrence;
  if (!model.pin || !rec) return undefined;
  if (rec.kind === 'monotone') return rec.rises ? monotone(model, entries, rec.mayDecrease, rec.rises) : undefined;
  return writers(model, entries, rec.produces, rec.sets);
}

function monotone<S, P>(model: Model<S, P>, entries: readonly Entry<P>[], mayDecrease: (p: P) => boolean, rises: (p: P) => boolean): number | undefined {
  // the pinned ok ops in typed columns: their entry, pin, rising, call and return
  const n = entries.length;
  const ids = new Int32Array(n);
  const pin = new Float64Array(n);
  const up = new Uint8Array(n);
  const call = new Float64Array(n);
  const ret = new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const e = entries[i]!;
    if (mayDecrease(e.p)) return undefined; // a value left behind may come back
    const v = e.known ? model.pin!(e.p) : undefined;
    if (typeof v !== 'number') continue;
    ids[m] = i;
    pin[m] = v;
    up[m] = rises(e.p) ? 1 : 0;
    call[m] = e.op.call;
    ret[m++] = e.op.ret;
  }
  const cut = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T => a.subarray(0, m) as T;
  // two rising ops pinned at one value: the later-called one is reported
  const byPin = argsort(cut(pin));
  for (let k = 0, j = 0; k < m; k = j) {
    let last = -1;
    let risers = 0;
    for (j = k; j < m && pin[byPin[j]!] === pin[byPin[k]!]; j++) {
      const q = byPin[j]!;
      if (!up[q]) continue;
      risers++;
      if (last < 0 || call[q]! > call[last]!) last = q;
    }
    if (risers > 1) return ids[last]!;
  }
  // real time: sweep ops by call, with every op returned before it seen (max pin, rising there)
  const byRet = argsort(cut(ret));
  const byCall = argsort(cut(call));
  let max = -Infinity;
  let maxRises = false;
  for (let k = 0, r = 0; k < m; k++) {
    const x = byCall[k]!;
    for (; r < m && ret[byRet[r]!]! < call[x]!; r++) {
      const f = byRet[r]!;
      if (pin[f]! > max) [max, maxRises] = [pin[f]!, up[f] === 1];
      else if (pin[f] === max && up[f]) maxRises = true;
    }
    if (pin[x]! < max || (pin[x] === max && maxRises)) return ids[x]!;
  }
  return undefined;
}

function writers<S, P>(model: Model<S, P>, entries: readonly Entry<P>[], produces: (p: P) => string | number | null | undefined, sets?: (p: P) => boolean): number | undefined {
  const n = entries.length;
  // per value id, the latest return of a writer (NaN: none); the initial value was set before
  // everything. Ids in a typed table, not a Map of 500k boxed numbers (key-ids.ts)
  const ids = new KeyIds();
  let lastWrite = new Float64Array(64);
  const idOf = (k: string | number): number => {
    const fresh = ids.size;
    const v = ids.id(k);
    if (v === fresh) {
      if (v >= lastWrite.length) lastWrite = grow(lastWrite, v);
      lastWrite[v] = NaN;
    }
    return v;
  };
  lastWrite[idOf(model.key(model.init()))] = -Infinity;
  // candidates Y (ok ops that leave a known value other than by writing v): call, value id
  const ys = new Int32Array(n);
  const yCall = new Float64Array(n);
  const tag = new Int32Array(n);
  // per entry, the id of the value it is pinned at (-1: none)
  const pinOf = new Int32Array(n).fill(-1);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const e = entries[i]!;
    const w = produces(e.p);
    if (w === null) return undefined; // what it writes depends on the state
    const wid = w === undefined ? -1 : idOf(w);
    if (wid >= 0 && !(e.op.ret <= lastWrite[wid]!)) lastWrite[wid] = e.op.ret;
    if (!e.known) continue;
    // the value it leaves other than by writing v: its pin, or what it always sets
    const p = model.pin!(e.p);
    if (p !== undefined) pinOf[i] = idOf(p);
    const t = p !== undefined ? pinOf[i]! : wid >= 0 && sets?.(e.p) ? wid : -1;
    if (t < 0) continue;
    ys[m] = i;
    yCall[m] = e.op.call;
    tag[m] = t;
    m++;
  }
  // by call, with suffix minima of return: the best, and the best of another value than its
  const order = argsort(yCall.subarray(0, m));
  const calls = new Float64Array(m);
  const best1 = new Float64Array(m + 1).fill(Infinity);
  const best2 = new Float64Array(m + 1).fill(Infinity);
  const tag1 = new Int32Array(m + 1).fill(-1);
  for (let k = m - 1; k >= 0; k--) {
    const y = order[k]!;
    calls[k] = yCall[y]!;
    const r = entries[ys[y]!]!.op.ret;
    const t = tag[y]!;
    let b1 = best1[k + 1]!;
    let b2 = best2[k + 1]!;
    let t1 = tag1[k + 1]!;
    if (r < b1) {
      if (t !== t1) b2 = b1;
      b1 = r;
      t1 = t;
    } else if (t !== t1 && r < b2) b2 = r;
    best1[k] = b1;
    best2[k] = b2;
    tag1[k] = t1;
  }
  for (let i = 0; i < n; i++) {
    const v = pinOf[i]!;
    if (v < 0) continue;
    const after = lastWrite[v]!;
    if (after !== after) return i; // nobody writes v, and it is not the initial value
    if (after === Infinity) continue;
    // the first candidate called after every writer of v returned
    let lo = 0;
    let hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (calls[mid]! <= after) lo = mid + 1;
      else hi = mid;
    }
    const ret = tag1[lo] !== v ? best1[lo]! : best2[lo]!;
    if (ret < entries[i]!.op.call) return i;
  }
  return undefined;
}
