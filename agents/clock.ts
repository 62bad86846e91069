// Maps an agent's CLOCK_MONOTONIC onto the controller's, so one history has one clock domain.
// Each sample is a request/response pair; the one with the smallest round trip wins (its error
// is at most half that round trip), newer samples win ties within 25%.
export class ClockSync {
  private offset: bigint | undefined;
  private bestRtt = -1n;
  private at = 0n;

  /** t0/t1: controller hrtime around the request; agentNs: the agent's clock in the reply */
  sample(t0: bigint, t1: bigint, agentNs: bigint): void {
    const rtt = t1 - t0;
    // an old best sample ages out after 10 s: clocks of TCG guests drift
    const stale = t1 - this.at > 10_000_000_000n;
    if (this.offset === undefined || rtt * 4n <= this.bestRtt * 5n || stale) {
      this.offset = agentNs - (t0 + t1) / 2n;
      this.bestRtt = rtt;
      this.at = t1;
    }
  }

  get synced(): boolean {
    return this.offset !== undefined;
  }

  /** half the round trip of the sample in use, in ns */
  get uncertaintyNs(): number {
    return this.bestRtt < 0n ? Infinity : Number(this.bestRtt / 2n);
  }

  /** agent ns -> controller ns (process.hrtime.bigint domain), as a history time */
  toLocal(agentNs: bigint): number {
    const v = agentNs - (this.offset ?? 0n);
    return v < 0n ? 0 : Number(v);
  }
}
