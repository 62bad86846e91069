// Dense ids for values and state keys (numbers or strings). A 1M-op register history writes
// 500k distinct numbers, mostly past the small-integer range: a Map of them boxed each key and
// cost ~250 ns a lookup in cache misses, on every node of the search. Numbers go into an
// open-addressed table of typed arrays (key and id side by side); strings into a Map.

export class KeyIds {
  /** slot pairs: [key, id + 1] as doubles; id + 1 === 0 marks an empty slot */
  // small at first: the corpus' histories are a few hundred ops each, one table per search
  private table = new Float64Array(2 * 64);
  private mask = 63;
  private nums = 0;
  private readonly strs = new Map<string, number>();
  /** NaN is not equal to itself: its own id (-1: none yet) */
  private nan = -1;
  private n = 0;

  /** how many ids were given */
  get size(): number {
    return this.n;
  }

  /** k's id, or -1 */
  get(k: string | number): number {
    if (typeof k === 'string') return this.strs.get(k) ?? -1;
    if (k !== k) return this.nan;
    const t = this.table;
    for (let s = hash(k) & this.mask; ; s = (s + 1) & this.mask) {
      const id = t[2 * s + 1]!;
      if (id === 0) return -1;
      if (t[2 * s] === k) return id - 1;
    }
  }

  /** k's id, given the next one if it has none */
  id(k: string | number): number {
    if (typeof k === 'string') {
      let v = this.strs.get(k);
      if (v === undefined) this.strs.set(k, (v = this.n++));
      return v;
    }
    if (k !== k) return this.nan < 0 ? (this.nan = this.n++) : this.nan;
    const t = this.table;
    let s = hash(k) & this.mask;
    for (; ; s = (s + 1) & this.mask) {
      const id = t[2 * s + 1]!;
      if (id === 0) break;
      if (t[2 * s] === k) return id - 1;
    }
    const v = this.n++;
    t[2 * s] = k;
    t[2 * s + 1] = v + 1;
    if (++this.nums * 2 > this.mask) this.rehash();
    return v;
  }

  private rehash(): void {
    const old = this.table;
    this.mask = this.mask * 2 + 1;
    const t = (this.table = new Float64Array(2 * (this.mask + 1)));
    for (let j = 0; j < old.length; j += 2) {
      if (old[j + 1] === 0) continue;
      let s = hash(old[j]!) & this.mask;
      while (t[2 * s + 1] !== 0) s = (s + 1) & this.mask;
      t[2 * s] = old[j]!;
      t[2 * s + 1] = old[j + 1]!;
    }
  }
}

/** of a number's integer part, low and high words (-0 and 0 alike, as === has them) */
function hash(k: number): number {
  let x = Math.imul((k | 0) ^ Math.imul((k / 4294967296) | 0, 0x27d4eb2d), 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}
