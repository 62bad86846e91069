// Shared value checks for models: history values are JSON, models want exact integers.
import { InputError } from '../../core';
import type { Operation } from '../../core';
import type { Json } from '../../core';

/** A value the model cannot take; the caller, who knows the file, turns it into file:line. */
export class BadValueError extends InputError {
  constructor(readonly line: number | undefined, readonly what: string) {
    super('check.badValue', `${line !== undefined ? `line ${line}` : 'an operation'}: ${what}`);
  }
}

export function badValue(op: Operation, what: string): InputError {
  return new BadValueError(op.callLine, `${op.f} ${what}`);
}

/** an integer that survives JSON: a safe number, or a decimal string within 2^53 */
export function int(op: Operation, v: Json | undefined, what: string): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw badValue(op, `needs an integer ${what}, got ${JSON.stringify(v)}`);
  return n;
}

/** A scalar register value: numbers and strings compare by value, null is its own value. */
export type Scalar = number | string | null;
export function scalar(op: Operation, v: Json | undefined, what: string): Scalar {
  if (v === null || typeof v === 'number' || typeof v === 'string') return v;
  throw badValue(op, `needs a number, string or null ${what}, got ${JSON.stringify(v)}`);
}

export function pair(op: Operation, v: Json | undefined): [Scalar, Scalar] {
  if (!Array.isArray(v) || v.length !== 2) throw badValue(op, `needs [expected, new], got ${JSON.stringify(v)}`);
  return [scalar(op, v[0], 'expected value'), scalar(op, v[1], 'new value')];
}
