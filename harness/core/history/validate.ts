// Fast validation of history events. The schema is still defined once, in zod (schema.ts):
// it is compiled to JSON Schema and from there by ajv into a validator that checks an object
// in place, with no copy (zod's parse clones every event: 2M clones for a 1M-op history).
// When an event fails, zod itself describes what is wrong, so messages stay zod's.
import Ajv, { type ValidateFunction } from 'ajv';
import { z } from 'zod';
import { HistoryEvent } from './schema';

let compiled: ValidateFunction | undefined;

/** the event schema as JSON Schema, generated afresh from the zod definition */
export function historyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(HistoryEvent, { target: 'draft-7' }) as Record<string, unknown>;
}

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: false, strict: false });
    compiled = ajv.compile(historyJsonSchema());
  }
  return compiled;
}

/** deeper than any value a workload or importer writes; the validators recurse per level */
export const MAX_VALUE_DEPTH = 100;

/** null when `obj` is a valid event, else a one-line description of the first problem */
export function eventProblem(obj: unknown): string | null {
  // a line of 10,000 brackets overflowed the stack of both validators (a RangeError, exit 255)
  const shape = shapeProblem(obj, MAX_VALUE_DEPTH);
  if (shape !== null) return shape;
  if (validator()(obj)) return null;
  const r = HistoryEvent.safeParse(obj);
  if (r.success) return null; // ajv and zod disagree only on zod-only refinements: trust zod
  const issue = r.error.issues[0]!;
  const path = issue.path.length > 0 ? `field "${issue.path.join('.')}": ` : '';
  return `${path}${issue.message}`;
}

export function isEvent(obj: unknown): obj is HistoryEvent {
  return eventProblem(obj) === null;
}

/**
 * Nesting deeper than `max`, or a number JSON.parse read as Infinity (1e400: ajv's "number"
 * takes it, zod's does not, and the ajv check comes first), found without recursion.
 */
function shapeProblem(v: unknown, max: number): string | null {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (typeof x === 'number' && !Number.isFinite(x)) return 'a number beyond the range of a double (it reads as Infinity)';
    if (x === null || typeof x !== 'object') continue;
    if (d >= max) return `nested deeper than ${max} levels`;
    for (const y of Array.isArray(x) ? x : Object.values(x)) stack.push([y, d + 1]);
  }
  return null;
}
