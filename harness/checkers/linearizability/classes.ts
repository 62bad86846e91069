// Counts of indeterminate ops taken per class, interned: equal vectors get one id however the
// search reached them, so the memo stores one integer per record instead of one count per
// class (a register history has a class per indeterminate write: 1000 classes at 1M ops).
import type { Entry } from './entries';

export class Vectors {
  private pool: Int32Array;
  private readonly hashes: number[] = [0];
  private readonly byHash = new Map<number, number[]>([[0, [0]]]);
  private readonly moves = new Map<number, number>();
  private n = 1;
  private readonly scratch: Int32Array;

  constructor(private readonly classes: number) {
    this.pool = new Int32Array(Math.max(1, classes) * 16);
    this.scratch = new Int32Array(Math.max(1, classes));
  }

  /** the id of vector `id` with class c's count moved by delta (+1 or -1) */
  step(id: number, c: number, delta: 1 | -1): number {
    const C = this.classes;
    const mk = (id * C + c) * 2 + (delta > 0 ? 1 : 0);
    const hit = this.moves.get(mk);
    if (hit !== undefined) return hit;
    const v = this.scratch;
    v.set(this.pool.subarray(id * C, id * C + C));
    const old = v[c]!;
    v[c] = old + delta;
    const h = (this.hashes[id]! ^ mix(c, old) ^ mix(c, old + delta)) | 0;
    let out = -1;
    for (const cand of this.byHash.get(h) ?? []) if (this.equals(cand, v)) out = cand;
    if (out < 0) {
      out = this.n++;
      if (this.n * C > this.pool.length) {
        const p = new Int32Array(this.pool.length * 2);
        p.set(this.pool);
        this.pool = p;
      }
      this.pool.set(v, out * C);
      this.hashes.push(h);
      const l = this.byHash.get(h);
      if (l) l.push(out);
      else this.byHash.set(h, [out]);
    }
    this.moves.set(mk, out);
    return out;
  }

  /** every count of vector a is at most the one of vector b */
  dominates(a: number, b: number): boolean {
    const C = this.classes;
    for (let j = 0; j < C; j++) if (this.pool[a * C + j]! > this.pool[b * C + j]!) return false;
    return true;
  }

  private equals(id: number, v: Int32Array): boolean {
    const C = this.classes;
    for (let j = 0; j < C; j++) if (this.pool[id * C + j] !== v[j]) return false;
    return true;
  }
}

function mix(c: number, k: number): number {
  let x = Math.imul(c + 1, 0x9e3779b1) ^ Math.imul(k + 0x7f4a7c15, 0x85ebca6b);
  x ^= x >>> 15;
  x = Math.imul(x, 0x2c1b3c6d);
  return x ^ (x >>> 12);
}

/**
 * The indeterminate entries' classes, renumbered densely, members in call order; how many of
 * each the path took; and the classes with a member left grouped by input (`sig`), by the call
 * of that member: eligible ops of one input are interchangeable, so the search tries one per
 * input at a node, and walks inputs, not classes (a 1M-op counter history keeps ~500
 * never-taken info FADDs of one input, and walking them all cost most of its search).
 */
export class InfoClasses {
  readonly cls: Int32Array;
  readonly classes: number;
  /** per class, its input's dense id; `sigs` of them in all */
  readonly sigOf: Int32Array;
  readonly sigs: number;
  private readonly members: Int32Array;
  private readonly start: Int32Array;
  private readonly counts: Int32Array;
  /** per input, its classes with a member left, by that member's call */
  readonly bySig: number[][] = [];
  /** inputs with a member left, by the call of their first class's next member */
  readonly liveSigs: number[] = [];

  constructor(e: readonly Entry<unknown>[], private readonly call: Float64Array) {
    const n = e.length;
    const ids = new Map<number, number>();
    const sigIds = new Map<number, number>();
    const sigOf: number[] = [];
    this.cls = new Int32Array(n).fill(-1);
    for (let k = 0; k < n; k++) {
      const x = e[k]!;
      if (x.known) continue;
      const { cls, sig } = x.info!;
      let c = ids.get(cls);
      if (c === undefined) {
        ids.set(cls, (c = ids.size));
        let s = sigIds.get(sig);
        if (s === undefined) sigIds.set(sig, (s = sigIds.size));
        sigOf.push(s);
      }
      this.cls[k] = c;
    }
    const C = (this.classes = ids.size);
    this.sigOf = Int32Array.from(sigOf);
    this.sigs = sigIds.size;
    this.counts = new Int32Array(C);
    this.start = new Int32Array(C + 1);
    for (let i = 0; i < n; i++) if (this.cls[i]! >= 0) this.start[this.cls[i]! + 1]!++;
    for (let c = 0; c < C; c++) this.start[c + 1]! += this.start[c]!;
    this.members = new Int32Array(this.start[C]!);
    const fill = this.start.slice(0, C);
    for (let i = 0; i < n; i++) if (this.cls[i]! >= 0) this.members[fill[this.cls[i]!]!++] = i;
    const byCall = (a: number, b: number): number => call[this.head(a)]! - call[this.head(b)]!;
    const all = Array.from({ length: C }, (_, c) => c).sort(byCall);
    for (let s = 0; s < this.sigs; s++) this.bySig.push([]);
    for (const c of all) this.bySig[this.sigOf[c]!]!.push(c);
    for (let s = 0; s < this.sigs; s++) this.liveSigs.push(s);
    this.liveSigs.sort((a, b) => byCall(this.bySig[a]![0]!, this.bySig[b]![0]!));
  }

  /** class c's next member */
  head(c: number): number {
    return this.members[this.start[c]! + this.counts[c]!]!;
  }

  /** the next member of every class with one left (dead reads want them all) */
  heads(): number[] {
    const out: number[] = [];
    for (const s of this.liveSigs) for (const c of this.bySig[s]!) out.push(this.head(c));
    return out;
  }

  take(c: number): void {
    this.counts[c]!++;
    this.moveHead(c);
  }

  untake(c: number): void {
    this.counts[c]!--;
    this.moveHead(c);
  }

  /** class c's next member changed: keep `bySig` and `liveSigs` ordered by call */
  private moveHead(c: number): void {
    const s = this.sigOf[c]!;
    const list = this.bySig[s]!;
    const wasFirst = list.length > 0 ? list[0]! : -1;
    remove(list, c);
    if (this.start[c]! + this.counts[c]! < this.start[c + 1]!) this.insert(list, c, this.call[this.head(c)]!, -1);
    if (list.length > 0 && list[0] === wasFirst && wasFirst !== c) return;
    // the input's first member changed: its place among the inputs too
    remove(this.liveSigs, s);
    if (list.length > 0) this.insert(this.liveSigs, s, this.call[this.head(list[0]!)]!, 0);
  }

  /** x into a list by call time t: of x's head (sub -1), or of the head of x's first class (0) */
  private insert(list: number[], x: number, t: number, sub: -1 | 0): void {
    let at = list.length;
    list.push(x);
    for (; at > 0; at--) {
      const y = list[at - 1]!;
      if (this.call[this.head(sub < 0 ? y : this.bySig[y]![0]!)]! <= t) break;
      list[at] = y;
    }
    list[at] = x;
  }
}

/** removes x from a short list in place (splice allocates the removed part: this is per step) */
function remove(list: number[], x: number): void {
  const at = list.indexOf(x);
  if (at < 0) return;
  for (let j = at + 1; j < list.length; j++) list[j - 1] = list[j]!;
  list.pop();
}
