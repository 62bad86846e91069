// Reading results back from history events, for generators that react to what they saw.
import type { HistoryEvent, Json } from '../harness/core';

export function u64Of(v: Json | undefined): bigint | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  return undefined;
}

/** results of the ok completions of `f`, in order */
export function okResults(last: readonly HistoryEvent[], f: HistoryEvent['f']): bigint[] {
  const out: bigint[] = [];
  for (const e of last) {
    if (e.type !== 'ok' || e.f !== f) continue;
    const v = u64Of(e.result);
    if (v !== undefined) out.push(v);
  }
  return out;
}
