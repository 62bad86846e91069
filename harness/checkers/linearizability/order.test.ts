import fc from 'fast-check';
import { argsort } from './order';

const bySort = (keys: number[]): number[] => keys.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);

describe('argsort', () => {
  it('orders by key, ties by index, on every path (counting, packed, comparator)', () => {
    const keys = fc.oneof(
      fc.array(fc.integer({ min: -5, max: 40 }), { maxLength: 60 }), // dense: counting sort
      fc.array(fc.integer({ min: -1e9, max: 1e9 }), { maxLength: 60 }), // wide: packed native sort
      fc.array(fc.oneof(fc.integer({ min: 0, max: 9 }), fc.double({ noNaN: true })), { maxLength: 30 }), // fractions, infinities
    );
    fc.assert(fc.property(keys, (k) => expect(Array.from(argsort(Float64Array.from(k)))).toEqual(bySort(k))), { numRuns: 2000 });
  });

  it('sorts distinct ranks of a long history in linear time (counting sort)', () => {
    const n = 1 << 20;
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = 2 * ((i * 7919) % n) + (i & 1);
    const out = argsort(keys);
    let sorted = true;
    for (let r = 1; r < n; r++) sorted &&= keys[out[r]!]! > keys[out[r - 1]!]!;
    expect(sorted).toBe(true);
    expect(new Set(out).size).toBe(n);
  });
});
