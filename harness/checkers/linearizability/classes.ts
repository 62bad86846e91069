// Counts of indeterminate ops taken per class, interned: equal vectors get one id however the
// search reached them, so the memo stores one integer per record instead of one count per
// class (a register history has a class per indeterminate write: 1000 classes at 1M ops).

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
