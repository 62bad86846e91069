// Durations as campaigns write them: a number of milliseconds, or '250ms', '5s', '2m', '1h'.
import { z } from 'zod';

export const Duration = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration like 250ms, 5s or 2m')]);
export type Duration = z.infer<typeof Duration>;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** "5s" -> 5000; numbers are milliseconds */
export function durationMs(v: Duration): number {
  const ms = durationToMs(v);
  if (ms === undefined) throw new Error(`not a duration: ${String(v)}`);
  return Math.round(ms);
}

/** any value -> ms, or undefined when it is not a duration (params read back from a history) */
export function durationToMs(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined;
}

/** "30d", "12h": an age as an option writes it, a duration or a number of days; else undefined */
export function ageToMs(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)d$/.exec(v.trim());
  return m ? Number(m[1]) * 86_400_000 : durationToMs(v);
}
