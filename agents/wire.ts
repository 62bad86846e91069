// Columnar encoding for the RPC: typed arrays travel as base64 of their bytes, so thousands of
// ops or results cost one JSON string each (JSON per op costs 11-15 us in a TCG guest).
// A column whose values are all equal travels as {c: value}; i, i+1, ... as {r: first}.
import { z } from 'zod';
import { InputError } from '../harness/core';

export const Column = z.union([
  z.string(), // base64 of the little-endian array bytes
  z.object({ c: z.union([z.number(), z.string()]) }).strict(), // constant (u64 as decimal string)
  z.object({ r: z.number() }).strict(), // range start, step 1
]);
export type Column = z.infer<typeof Column>;

type Numeric = Uint8Array | Uint16Array | Uint32Array | Int16Array | Int32Array;
type NumericCtor = new (n: number) => Numeric;

export function encodeColumn(a: Numeric): Column {
  const n = a.length;
  if (n > 0) {
    const first = a[0]!;
    let same = true;
    let range = true;
    for (let i = 1; i < n && (same || range); i++) {
      const v = a[i]!;
      if (v !== first) same = false;
      if (v !== first + i) range = false;
    }
    if (same) return { c: first };
    if (range) return { r: first };
  }
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function encodeColumn64(a: BigUint64Array): Column {
  const n = a.length;
  if (n > 0) {
    // compare as 32-bit halves: reading a BigUint64Array element allocates a BigInt
    const w = new Uint32Array(a.buffer, a.byteOffset, n * 2);
    const lo = w[0]!;
    const hi = w[1]!;
    let same = true;
    for (let i = 2; i < 2 * n && same; i += 2) if (w[i] !== lo || w[i + 1] !== hi) same = false;
    if (same) return { c: a[0]!.toString() };
  }
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** the most values one column carries: a slice of ops (the campaign allows 2^20) with room */
export const MAX_COLUMN_VALUES = 1 << 22;

/**
 * A column that does not fit what it claims is bad input for whoever decodes it, refused by
 * name: a fractional or oversized constant, a range running past the type, a wrong byte count
 * (BigInt(1.5) threw a RangeError, and a constant 300 in a u8 column wrapped to 44 silently).
 */
function bad(what: string, why: string): InputError {
  return new InputError('agent.badColumn', `column ${what}: ${why}`);
}

function checkLength(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_COLUMN_VALUES) throw bad(what, `${n} values (0 to ${MAX_COLUMN_VALUES})`);
}

function bytesOf(s: string, width: number, n: number, what: string): Buffer {
  const b = Buffer.from(s, 'base64');
  if (b.length !== width * n) throw bad(what, `${b.length} bytes for ${n} values of ${width} bytes`);
  return b;
}

function rangeOf(a: Numeric): [number, number] {
  if (a instanceof Int16Array) return [-0x8000, 0x7fff];
  if (a instanceof Int32Array) return [-0x80000000, 0x7fffffff];
  return [0, 2 ** (8 * a.BYTES_PER_ELEMENT) - 1];
}

export function decodeColumn<T extends Numeric>(c: Column, n: number, Ctor: NumericCtor, what: string): T {
  checkLength(n, what);
  const out = new Ctor(n) as T;
  if (typeof c === 'string') {
    const b = bytesOf(c, out.BYTES_PER_ELEMENT, n, what);
    // copy: the base64 buffer may not be aligned for the typed array
    new Uint8Array(out.buffer).set(b);
    return out;
  }
  const [min, max] = rangeOf(out);
  if ('c' in c) {
    const v = typeof c.c === 'number' ? c.c : /^-?\d{1,16}$/.test(c.c) ? Number(c.c) : NaN;
    if (!Number.isInteger(v) || v < min || v > max) throw bad(what, `constant ${JSON.stringify(c.c)} is not an integer from ${min} to ${max}`);
    out.fill(v);
    return out;
  }
  if (!Number.isInteger(c.r) || c.r < min || c.r + Math.max(0, n - 1) > max) throw bad(what, `range from ${c.r} over ${n} values leaves ${min} to ${max}`);
  for (let i = 0; i < n; i++) out[i] = c.r + i;
  return out;
}

const U64_MAX = (1n << 64n) - 1n;

export function decodeColumn64(c: Column, n: number, what: string): BigUint64Array {
  checkLength(n, what);
  const out = new BigUint64Array(n);
  if (typeof c === 'string') {
    const b = bytesOf(c, 8, n, what);
    new Uint8Array(out.buffer).set(b);
    return out;
  }
  if ('c' in c) {
    const ok = typeof c.c === 'number' ? Number.isSafeInteger(c.c) && c.c >= 0 : /^\d{1,20}$/.test(c.c) && BigInt(c.c) <= U64_MAX;
    if (!ok) throw bad(what, `constant ${JSON.stringify(c.c)} is not a u64`);
    out.fill(BigInt(c.c));
    return out;
  }
  if (!Number.isSafeInteger(c.r) || c.r < 0) throw bad(what, `range start ${c.r} is not a u64`);
  for (let i = 0; i < n; i++) out[i] = BigInt(c.r + i);
  return out;
}

/** u64 as it appears in history values: a number while exact, a decimal string beyond 2^53. */
export function u64Json(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/** decimal string for a u64 on the wire */
export const U64String = z.string().regex(/^\d{1,20}$/, 'a decimal u64');

/** calls `line` for each non-blank line of a JSON-lines stream, however its chunks split them */
export function onLines(stream: { on(ev: 'data', cb: (d: Buffer) => void): unknown }, line: (l: string) => void): void {
  let buf = '';
  stream.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (l.trim()) line(l);
    }
  });
}
