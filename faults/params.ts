// Parameter pieces shared by fault kinds.
import { z } from 'zod';

export const Percent = z.number().min(0, 'a rate is a percentage from 0 to 100').max(100, 'a rate is a percentage from 0 to 100');
export const Rails = z.array(z.number().int().min(0).max(15)).min(1).optional();
export const Duration = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration like 250ms, 5s or 2m')]);

/** "5s" -> 5000; numbers are milliseconds */
export function durationMs(v: z.infer<typeof Duration>): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v)!;
  const n = Number(m[1]);
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']);
}
