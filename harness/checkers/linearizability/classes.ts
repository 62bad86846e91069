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
 * each the path took; and `heads`, the classes with a member left, by that member's call.
 */
export class InfoClasses {
  readonly cls: Int32Array;
  readonly classes: number;
  private readonly members: Int32Array;
  private readonly start: Int32Array;
  private readonly counts: Int32Array;
  readonly heads: number[] = [];

  constructor(e: readonly Entry<unknown>[], private readonly call: Float64Array) {
    const n = e.length;
    const ids = new Map<number, number>();
    this.cls = new Int32Array(n).fill(-1);
    for (let k = 0; k < n; k++) {
      const x = e[k]!;
      if (x.known) continue;
      let c = ids.get(x.cls);
      if (c === undefined) ids.set(x.cls, (c = ids.size));
      this.cls[k] = c;
    }
    const C = (this.classes = ids.size);
    this.counts = new Int32Array(C);
    this.start = new Int32Array(C + 1);
    for (let i = 0; i < n; i++) if (this.cls[i]! >= 0) this.start[this.cls[i]! + 1]!++;
    for (let c = 0; c < C; c++) this.start[c + 1]! += this.start[c]!;
    this.members = new Int32Array(this.start[C]!);
    const fill = this.start.slice(0, C);
    for (let i = 0; i < n; i++) if (this.cls[i]! >= 0) this.members[fill[this.cls[i]!]!++] = i;
    for (let c = 0; c < C; c++) this.heads.push(c);
    this.heads.sort((a, b) => call[this.head(a)]! - call[this.head(b)]!);
  }

  /** class c's next member */
  head(c: number): number {
    return this.members[this.start[c]! + this.counts[c]!]!;
  }

  take(c: number): void {
    this.counts[c]!++;
    this.moveHead(c);
  }

  untake(c: number): void {
    this.counts[c]!--;
    this.moveHead(c);
  }

  /** class c's next member changed: keep `heads` ordered by the call of each class's next */
  private moveHead(c: number): void {
    const hs = this.heads;
    const at = hs.indexOf(c);
    if (at >= 0) hs.splice(at, 1);
    if (this.start[c]! + this.counts[c]! >= this.start[c + 1]!) return;
    const t = this.call[this.head(c)]!;
    let j = hs.length;
    while (j > 0 && this.call[this.head(hs[j - 1]!)]! > t) j--;
    hs.splice(j, 0, c);
  }
}
