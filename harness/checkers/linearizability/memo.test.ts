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

// Past its size the search sheds the older half of the memo (by `low`): what is kept is still
// found, what is shed is forgotten (a miss, never a wrong hit), and string and number state
// keys stay apart.
it('sheds the records with the lowest low, keeps the rest, and tells keys apart by type', () => {
  const memo = new Memo(() => false);
  const bits = new Uint32Array(64);
  for (let low = 0; low < 1000; low++) expect(memo.seen(low * 7919, bits, low, low, low, 0)).toBe(false);
  memo.shed();
  expect(memo.size).toBe(500);
  expect(memo.seen(999 * 7919, bits, 999, 999, 999, 0)).toBe(true);
  expect(memo.seen(600 * 7919, bits, 600, 600, 600, 0)).toBe(true);
  expect(memo.seen(3 * 7919, bits, 3, 3, 3, 0)).toBe(false);
  // a string key equal to a number's text is another state
  expect(memo.seen(999 * 7919, bits, 999, 999, '999', 0)).toBe(false);
  expect(memo.seen(999 * 7919, bits, 999, 999, '999', 0)).toBe(true);
});
