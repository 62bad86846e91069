// Shared pieces of the packages' confirmations: did a fault take effect, by what was seen of
// it (nft counters, readings) while it was in place. A fault the evidence cannot speak for is
// inconclusive, never confirmed.
import type { Confirmation, ConfirmInput, NftCount } from '../harness/core';

export const inconclusive = (why: string): Confirmation => ({ status: 'inconclusive', evidence: why });

export const NO_READINGS = 'no readings of it were taken (its agent or the run ended before it was healed)';

export function bytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} KB` : `${n} B`;
}

/** the summed counter of the rules commented `comment` */
export function nftCount(i: ConfirmInput, comment: string): NftCount | undefined {
  return i.observed?.nft?.[comment];
}

/** an nft drop rule: it dropped something, or it matched nothing while in place */
export function dropConfirmation(i: ConfirmInput, comment: string, what: string, none: string): Confirmation {
  const c = nftCount(i, comment);
  if (!c) return inconclusive(i.observed ? `no counter of the ${comment} rule was read` : NO_READINGS);
  if (c.packets > 0) return { status: 'confirmed', evidence: `dropped ${c.packets} ${what} (${bytes(c.bytes)})` };
  return { status: 'mismatch', evidence: `dropped nothing: ${none}` };
}

/** a reading by name, undefined when absent or failed (`!` and why) */
export function reading(i: ConfirmInput, name: string): string | undefined {
  const r = i.observed?.readings?.[name];
  return r === undefined || r.startsWith('!') ? undefined : r;
}

/** `sent_pkts` deltas of the target's devices over the window, for the evidence line */
export function sentPackets(i: ConfirmInput): string {
  const parts = Object.entries(i.deltas)
    .filter(([, d]) => d.sent_pkts !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([dev, d]) => `${dev} sent ${d.sent_pkts}`);
  return parts.length ? `; ${parts.join(', ')} packets in the window` : '';
}
