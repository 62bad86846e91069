// Small numeric helpers shared by the analysis and the report.
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** the p-quantile of an ascending array (nearest rank); NaN when empty */
export function percentile(sorted: Float64Array | readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/**
 * The smallest ballot of participant `id` (1..n) above `above`. Participant i of n owns the
 * ballots i, i+n, i+2n, ...: unique per participant, as both Paxos and Disk Paxos need.
 */
export function nextBallot(id: number, n: number, above: number): number {
  return above < id ? id : id + (Math.floor((above - id) / n) + 1) * n;
}
