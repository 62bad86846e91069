// The byte-level scanners of the fast event path (fast-event.ts): strings, integers, and
// JSON values, each answering "don't know" (-1 or NaN) for anything outside its narrow shape.
import type { Json } from '../json';
import type { RdmaMeta } from './schema';
// Every helper takes the buffer and a position and returns the position after what it read,
// or -1 when the fast path does not know; what it read goes into `got` (an object field, not
// a closure variable: stores stay cheap). Numbers are the exception: int() returns the number
// (NaN: don't know) and puts the position in got.p, because a number kept in an object field
// of its own would be boxed, and every op would get its own copy of each of its numbers.
// Every byte test is written as "is in the accepted set", so a read past the buffer
// (undefined) always bails.
export const got: { p: number; s: string; v: Json; rdma: RdmaMeta } = { p: 0, s: '', v: null, rdma: {} };

const MAX_DEPTH = 32;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

type Bytes = Buffer & { latin1Slice?: (start: number, end: number) => string };
// Buffer's own latin1Slice skips toString's argument handling; it is not in the typings
export const latin1: (buf: Bytes, start: number, end: number) => string =
  typeof (Buffer.prototype as Bytes).latin1Slice === 'function' ? (buf, s, e) => buf.latin1Slice!(s, e) : (buf, s, e) => buf.toString('latin1', s, e);

/** JSON whitespace (a line never holds a newline) */
export function skipWs(b: Buffer, p: number): number {
  let c = b[p]!;
  while (c === 32 || c === 9 || c === 13) c = b[++p]!;
  return p;
}

/** the closing quote of a string of printable ASCII without escapes, or -1; b[s] follows the opening quote */
export function strEnd(b: Buffer, s: number): number {
  for (;;) {
    const c = b[s]!;
    if (c === 34) return s;
    if (!(c >= 32 && c <= 126) || c === 92) return -1;
    s++;
  }
}

/** b[p] is the opening quote; the string goes to got.s */
export function str(b: Buffer, p: number): number {
  const q = strEnd(b, p + 1);
  if (q < 0) return -1;
  got.s = intern(b, p + 1, q);
  return q + 1;
}

// Short strings (node names, error names, keys) repeat on most lines: one copy of each.
const INTERN_SLOTS = 1024;
const interned: (string | undefined)[] = new Array<string | undefined>(INTERN_SLOTS).fill(undefined);

function intern(b: Buffer, s: number, e: number): string {
  const len = e - s;
  if (len > 24) return latin1(b, s, e);
  let h = len;
  for (let i = s; i < e; i++) h = (h * 31 + b[i]!) | 0;
  const slot = h & (INTERN_SLOTS - 1);
  const hit = interned[slot];
  if (hit !== undefined && hit.length === len) {
    let same = true;
    for (let i = 0; i < len; i++) {
      if (hit.charCodeAt(i) !== b[s + i]) {
        same = false;
        break;
      }
    }
    if (same) return hit;
  }
  const fresh = latin1(b, s, e);
  interned[slot] = fresh;
  return fresh;
}

/** a JSON integer (no fraction, no exponent, not -0) that is a safe integer, or NaN; the position after it goes to got.p */
export function int(b: Buffer, p: number): number {
  let c = b[p]!;
  let neg = false;
  if (c === 45) {
    neg = true;
    c = b[++p]!;
  }
  if (c === 48) {
    c = b[++p]!;
    if (neg || c === 46 || c === 101 || c === 69 || (c >= 48 && c <= 57)) return NaN;
    got.p = p;
    return 0;
  }
  if (!(c >= 49 && c <= 57)) return NaN;
  let n = c - 48;
  let digits = 1;
  c = b[++p]!;
  while (c >= 48 && c <= 57) {
    n = n * 10 + (c - 48);
    digits++;
    c = b[++p]!;
  }
  // up to 16 digits every partial sum below 2^53 is exact, and a true value above
  // MAX_SAFE rounds to at least 2^53, so this test is exact
  if (c === 46 || c === 101 || c === 69 || digits > 16 || n > MAX_SAFE) return NaN;
  got.p = p;
  return neg ? -n : n;
}

export function nonNegInt(b: Buffer, p: number): number {
  const c = b[p]!;
  return c >= 48 && c <= 57 ? int(b, p) : NaN;
}

/** true or false, into got.v */
export function bool(b: Buffer, p: number): number {
  const c = b[p]!;
  if (c === 116) {
    if (b[p + 1] === 114 && b[p + 2] === 117 && b[p + 3] === 101) {
      got.v = true;
      return p + 4;
    }
  } else if (c === 102) {
    if (b[p + 1] === 97 && b[p + 2] === 108 && b[p + 3] === 115 && b[p + 4] === 101) {
      got.v = false;
      return p + 5;
    }
  }
  return -1;
}

/** any JSON value (the schema's Json) into got.v; b[p] is its first byte */
export function json(b: Buffer, p: number, depth: number): number {
  const c = b[p]!;
  if ((c >= 48 && c <= 57) || c === 45) {
    const n = int(b, p);
    if (Number.isNaN(n)) return -1;
    got.v = n;
    return got.p;
  }
  if (c === 34) {
    p = str(b, p);
    got.v = got.s;
    return p;
  }
  if (c === 123) return depth < MAX_DEPTH ? jsonObject(b, p, depth + 1) : -1;
  if (c === 91) return depth < MAX_DEPTH ? jsonArray(b, p, depth + 1) : -1;
  if (c === 116 || c === 102) return bool(b, p);
  if (c === 110 && b[p + 1] === 117 && b[p + 2] === 108 && b[p + 3] === 108) {
    got.v = null;
    return p + 4;
  }
  return -1;
}

export function jsonArray(b: Buffer, p: number, depth: number): number {
  const out: Json[] = [];
  p = skipWs(b, p + 1);
  if (b[p] === 93) {
    got.v = out;
    return p + 1;
  }
  for (;;) {
    p = json(b, p, depth);
    if (p < 0) return -1;
    out.push(got.v);
    p = skipWs(b, p);
    const c = b[p];
    if (c === 93) {
      got.v = out;
      return p + 1;
    }
    if (c !== 44) return -1;
    p = skipWs(b, p + 1);
  }
}

export function jsonObject(b: Buffer, p: number, depth: number): number {
  const out: { [k: string]: Json } = {};
  p = skipWs(b, p + 1);
  if (b[p] === 125) {
    got.v = out;
    return p + 1;
  }
  for (;;) {
    if (b[p] !== 34) return -1;
    p = str(b, p);
    const k = got.s;
    // JSON.parse makes "__proto__" an own property; an assignment would set the prototype
    if (p < 0 || k === '__proto__') return -1;
    p = skipWs(b, p);
    if (b[p] !== 58) return -1;
    p = json(b, skipWs(b, p + 1), depth);
    if (p < 0) return -1;
    out[k] = got.v; // a repeated key: the last one wins, as in JSON.parse
    p = skipWs(b, p);
    const c = b[p];
    if (c === 125) {
      got.v = out;
      return p + 1;
    }
    if (c !== 44) return -1;
    p = skipWs(b, p + 1);
  }
}

/**
 * A fixed set of names matched on their bytes, without allocating: a hash of the bytes picks
 * the one candidate, whose bytes are then compared.
 */
