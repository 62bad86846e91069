// Argument checks done in TypeScript before native code is called: precise TypeErrors that
// name the argument, instead of whatever the C++ side would say.
export const U64_MAX = (1n << 64n) - 1n;

export function checkInt(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new TypeError(`${name} must be an integer in [${min}, ${max}], got ${describe(v)}`);
  }
  return v;
}

export function checkU32(name: string, v: unknown): number {
  return checkInt(name, v, 0, 0xffffffff);
}

/** 64-bit values travel as bigint; plain numbers are accepted only while they are exact. */
export function checkU64(name: string, v: unknown): bigint {
  if (typeof v === 'bigint') {
    if (v < 0n || v > U64_MAX) throw new TypeError(`${name} must fit in 64 unsigned bits, got ${v}`);
    return v;
  }
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw new TypeError(`${name} must be a bigint (or a safe non-negative integer), got ${describe(v)}`);
}

export function checkString(name: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw new TypeError(`${name} must be a non-empty string, got ${describe(v)}`);
  return v;
}

export function checkFunction(name: string, v: unknown): void {
  if (typeof v !== 'function') throw new TypeError(`${name} must be a function, got ${describe(v)}`);
}

function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}
