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
  if (depthOver(obj, MAX_VALUE_DEPTH)) return `nested deeper than ${MAX_VALUE_DEPTH} levels`;
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

/** whether `v` nests arrays and objects deeper than `max`, found without recursion */
function depthOver(v: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (d >= max) return true;
    for (const y of Array.isArray(x) ? x : Object.values(x)) if (y !== null && typeof y === 'object') stack.push([y, d + 1]);
  }
  return false;
}
