// The memo's hash chains stay acyclic across growth: a lookup that misses must end (a record
// linked twice at a rehash made its chain a loop, and the search hung on a 10k-op register).
import { hashKey, Memo } from './memo';

it('misses end after the table grows past its load factor', () => {
  const memo = new Memo(() => false);
  const bits = new Uint32Array(4);
  // every record on one chain (equal mixed hash), distinct states: each lookup walks it all
  const h = (s: number): number => hashKey(s) ^ 0x5bd1e995;
  for (let s = 0; s < 7000; s++) expect(memo.seen(h(s), bits, 0, 0, s, 0)).toBe(false);
  expect(memo.seen(h(-1), bits, 0, 0, -1, 0)).toBe(false);
  expect(memo.seen(h(1234), bits, 0, 0, 1234, 0)).toBe(true);
  memo.forget(1);
  expect(memo.size).toBe(0);
});
