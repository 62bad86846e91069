// The search's memo (Lowe's cache of explored configurations), keyed by what can differ
// between two configurations of the same search, in space that does not grow with the history:
//  - the linearized ok set as (low, hi, the words of its bitset between them): every ok op
//    before `low` (call order) is linearized, none from `hi` on, so only the live window is
//    stored, where the whole n-bit set cost O(n) per step (12.5 KB a record for 100k ops);
//  - the model state's key;
//  - the indeterminate ops taken per input (see wgl.ts), interned as one vector id.
// A record is forgotten once the search can no longer come back to it (forget()), so a long
// history that the search places in order keeps only the records of its live window. Past a
// size the oldest half (by `low`) is shed too (shed()): a memo only prunes, so forgetting is
// always sound, it can only cost time if the search comes back that far, and a history whose
// window never closes (concurrent writes leave an alternative at every level) would otherwise
// keep a record per step (1.1M records at 1M ops).

export class Memo {
  private table = new Int32Array(1 << 12).fill(-1);
  private n = 0;
  private low = new Int32Array(1024);
  private hi = new Int32Array(1024);
  private off = new Int32Array(1024);
  private vec = new Int32Array(1024);
  private hash = new Int32Array(1024);
  private next = new Int32Array(1024);
  // state keys: numbers in a typed column (a boxed double per record in a JS array cost
  // most of the GC of a 1M-op register check), strings beside them
  private num = new Float64Array(1024);
  private isStr = new Uint8Array(1024);
  private str: string[] = [];
  private words = new Uint32Array(4096);
  private used = 0;

  constructor(
    /** counts vector of an id, for dominance between records that differ only there */
    private readonly dominates: (recVec: number, curVec: number) => boolean,
  ) {}

  get size(): number {
    return this.n;
  }

  /**
   * true if (set, state, counts) was recorded, or is dominated by a record with the same set
   * and state and no more of any class used; else records it and returns false
   */
  seen(h: number, bits: Uint32Array, low: number, hi: number, sk: string | number, vec: number): boolean {
    // the counts vector stays out of the hash: dominated records must share the chain
    const key = (h ^ hashKey(sk)) | 0;
    const w0 = low >>> 5;
    const wn = hi > low ? ((hi - 1) >>> 5) - w0 + 1 : 0;
    const slot = key & (this.table.length - 1);
    for (let r = this.table[slot]!; r >= 0; r = this.next[r]!) {
      if (this.low[r] !== low || this.hi[r] !== hi) continue;
      if (typeof sk === 'number' ? this.isStr[r] === 1 || this.num[r] !== sk : this.isStr[r] === 0 || this.str[r] !== sk) continue;
      if (this.vec[r] !== vec && !this.dominates(this.vec[r]!, vec)) continue;
      let same = true;
      for (let j = 0, o = this.off[r]!; j < wn; j++) {
        if (this.words[o + j] !== bits[w0 + j]) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    const r = this.n++;
    if (r >= this.low.length) this.growRecords();
    if (this.used + wn > this.words.length) this.words = grow(this.words, this.used + wn);
    this.low[r] = low;
    this.hi[r] = hi;
    this.off[r] = this.used;
    this.vec[r] = vec;
    this.hash[r] = key;
    this.setKey(r, sk);
    for (let j = 0; j < wn; j++) this.words[this.used + j] = bits[w0 + j]!;
    this.used += wn;
    this.next[r] = this.table[slot]!;
    this.table[slot] = r;
    // after linking: rehash relinks every record, this one included (linking it again loops)
    if (this.n >= this.table.length * 0.75) this.rehash(this.table.length * 2);
    return false;
  }

  /** drops every record whose low is below `low`: the search cannot reach them again */
  forget(low: number): void {
    let m = 0;
    let used = 0;
    for (let r = 0; r < this.n; r++) {
      if (this.low[r]! < low) continue;
      const o = this.off[r]!;
      const wn = this.hi[r]! > this.low[r]! ? ((this.hi[r]! - 1) >>> 5) - (this.low[r]! >>> 5) + 1 : 0;
      this.words.copyWithin(used, o, o + wn);
      this.low[m] = this.low[r]!;
      this.hi[m] = this.hi[r]!;
      this.off[m] = used;
      this.vec[m] = this.vec[r]!;
      this.hash[m] = this.hash[r]!;
      this.num[m] = this.num[r]!;
      this.isStr[m] = this.isStr[r]!;
      this.str[m] = this.str[r]!;
      used += wn;
      m++;
    }
    this.n = m;
    this.used = used;
    this.str.length = m;
    let size = 1 << 12;
    while (size * 0.75 <= m) size *= 2;
    this.rehash(size);
  }

  /** forgets the older half of the records, by `low` (see the header) */
  shed(): void {
    if (this.n === 0) return;
    const lows = this.low.slice(0, this.n).sort();
    const mid = lows[this.n >> 1]!;
    this.forget(mid > lows[0]! ? mid : mid + 1);
  }

  private setKey(r: number, k: string | number): void {
    if (typeof k === 'number') {
      this.num[r] = k;
      this.isStr[r] = 0;
      this.str[r] = '';
    } else {
      this.isStr[r] = 1;
      this.str[r] = k;
    }
  }

  private growRecords(): void {
    this.num = grow(this.num, this.n);
    this.isStr = grow(this.isStr, this.n);
    this.low = grow(this.low, this.n);
    this.hi = grow(this.hi, this.n);
    this.off = grow(this.off, this.n);
    this.vec = grow(this.vec, this.n);
    this.hash = grow(this.hash, this.n);
    this.next = grow(this.next, this.n);
  }

  private rehash(size: number): void {
    const table = new Int32Array(size).fill(-1);
    const mask = size - 1;
    for (let r = 0; r < this.n; r++) {
      const slot = this.hash[r]! & mask;
      this.next[r] = table[slot]!;
      table[slot] = r;
    }
    this.table = table;
  }
}

export function grow<T extends Int32Array | Uint32Array | Uint8Array | Float64Array>(a: T, atLeast: number): T {
  let len = Math.max(16, a.length * 2);
  while (len <= atLeast) len *= 2;
  const b = new (a.constructor as new (n: number) => T)(len);
  b.set(a);
  return b;
}

export function hashKey(k: string | number): number {
  if (typeof k === 'number') {
    let x = Math.imul((k | 0) ^ ((k / 4294967296) | 0), 0x85ebca6b);
    x ^= x >>> 13;
    return Math.imul(x, 0xc2b2ae35) ^ (x >>> 16);
  }
  let h = 0x811c9dc5;
  for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  return h;
}

/** a small seeded generator for Zobrist keys */
export function splitmix32(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return z ^ (z >>> 16);
  };
}
