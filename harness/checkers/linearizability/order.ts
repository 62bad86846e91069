// Stable argsort of numeric keys without a JS comparator where it can. Ranks are small
// integers: where their range is within a few times their count (call and return ranks, which
// are distinct), a counting sort places them in linear time; otherwise (key, index) packs into
// one double and the engine's native numeric sort does the rest (2M list nodes through a
// comparator took seconds at 1M ops; the native sort of 2M doubles still ~150 ms).

/** a counting sort's table may be this many times the key count */
const SPAN_PER_KEY = 4;

/** indices 0..n-1 ordered by keys[i], ties by index */
export function argsort(keys: Float64Array): Int32Array {
  const n = keys.length;
  let lo = Infinity;
  let hi = -Infinity;
  let ints = true;
  for (let i = 0; i < n && ints; i++) {
    const k = keys[i]!;
    ints = Number.isInteger(k);
    if (k < lo) lo = k;
    if (k > hi) hi = k;
  }
  if (!ints || (hi - lo + 1) * n >= Number.MAX_SAFE_INTEGER) return Int32Array.from(keys.keys()).sort((a, b) => keys[a]! - keys[b]! || a - b);
  const out = new Int32Array(n);
  if (n > 0 && hi - lo < SPAN_PER_KEY * n + 1024) {
    // counts per key, their prefix sums, then each index at its key's next place
    const at = new Int32Array(hi - lo + 2);
    for (let i = 0; i < n; i++) at[keys[i]! - lo + 1]!++;
    for (let k = 1; k < at.length; k++) at[k]! += at[k - 1]!;
    for (let i = 0; i < n; i++) out[at[keys[i]! - lo]!++] = i;
    return out;
  }
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = (keys[i]! - lo) * n + i;
  packed.sort();
  for (let r = 0; r < n; r++) out[r] = packed[r]! % n;
  return out;
}
