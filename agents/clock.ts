// Maps an agent's CLOCK_MONOTONIC onto the controller's, so one history has one clock domain.
//
// The offset estimate: each sample is a request/response pair; the one with the smallest round
// trip wins (its error is at most half that round trip), newer samples win ties within 25%, and
// a best sample ages out after 10 s because the clocks of TCG guests drift.
//
// The mapping must never reorder the agent's own events: a process's next op is posted after
// its previous one completed, and if a new offset estimate applied at once, ops converted after
// it could land before ops converted before it (seen on TCG: estimates moved by ~20 ms, and a
// depth-1 process appeared to have its ops overlap). So the mapping is a monotone piecewise
// linear function of agent time, built forward as events arrive, that slews towards the
// estimate (slope within 1 +- MAX_SLEW) instead of stepping, as NTP does.
const MAX_SLEW = 0.1;
/** agent time between anchors of the piecewise mapping */
const SEGMENT_NS = 10_000_000;
/** how fast a slewing segment aims to close the gap to the estimate */
const CATCH_UP_NS = 100_000_000;
/**
 * how long an anchor's error bound counts: an op's invoke is converted when its completion
 * arrives, seconds later, on anchors made with the estimate of back then
 */
const BOUND_WINDOW_NS = 30_000_000_000;
/** integer ns arithmetic (the halved round trip and the offset floor, the result rounds) */
const ROUNDING_NS = 2;

export class ClockSync {
  private offset: bigint | undefined;
  private bestRtt = -1n;
  private at = 0n;
  // anchors of the mapping (agent ns, controller ns), increasing in both; the last segment
  // continues from the last anchor with `slope`
  private agentAt: number[] = [];
  private localAt: number[] = [];
  private slope = 1;
  /** per anchor (agent ns), how far its mapped time may be from the truth; decreasing in bound */
  private bounds: { at: number; ns: number }[] = [];

  /** t0/t1: controller hrtime around the request; agentNs: the agent's clock in the reply */
  sample(t0: bigint, t1: bigint, agentNs: bigint): void {
    const rtt = t1 - t0;
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

  /**
   * How far a time converted now may be from the truth, in ns: half the round trip of the
   * sample in use, plus how far the mapping still is from the estimate (it slews, never
   * steps), and at least the bound of any anchor of the last 30 s (older events are converted
   * on those). A better sample that moved the estimate by 100 ms while the uncertainty fell to
   * a few ms made a false linearizability violation between two nodes' ops.
   */
  get uncertaintyNs(): number {
    if (this.bestRtt < 0n) return Infinity;
    const n = this.agentAt.length;
    const now = ROUNDING_NS + Number(this.bestRtt / 2n) + (n ? Math.abs(this.estimate(this.agentAt[n - 1]!) - this.localAt[n - 1]!) : 0);
    return Math.max(now, this.bounds[0]?.ns ?? 0);
  }

  private noteBound(at: number, mapped: number): void {
    const ns = ROUNDING_NS + Number(this.bestRtt < 0n ? 0n : this.bestRtt / 2n) + Math.abs(this.estimate(at) - mapped);
    while (this.bounds.length && this.bounds[this.bounds.length - 1]!.ns <= ns) this.bounds.pop();
    this.bounds.push({ at, ns });
    while (this.bounds.length && this.bounds[0]!.at < at - BOUND_WINDOW_NS) this.bounds.shift();
  }

  /** where the current estimate puts agent time `t` */
  private estimate(t: number): number {
    return t - Number(this.offset ?? 0n);
  }

  /** agent ns -> controller ns (process.hrtime.bigint domain), as a history time; monotone */
  toLocal(agentNs: bigint): number {
    const t = Number(agentNs);
    const n = this.agentAt.length;
    if (n === 0) {
      this.agentAt.push(t);
      this.localAt.push(this.estimate(t));
      this.noteBound(t, this.localAt[0]!);
      return clamp0(this.localAt[0]!);
    }
    const lastA = this.agentAt[n - 1]!;
    const lastL = this.localAt[n - 1]!;
    if (t >= lastA) {
      const v = lastL + (t - lastA) * this.slope;
      if (t - lastA >= SEGMENT_NS) {
        // a new anchor on the current segment (what was converted stays exact), then aim the
        // next segment at the estimate
        this.agentAt.push(t);
        this.localAt.push(v);
        this.noteBound(t, v);
        const gap = this.estimate(t) - v;
        this.slope = Math.min(1 + MAX_SLEW, Math.max(1 - MAX_SLEW, 1 + gap / CATCH_UP_NS));
      }
      return clamp0(v);
    }
    if (t <= this.agentAt[0]!) return clamp0(this.localAt[0]! - (this.agentAt[0]! - t));
    // an older event (an invoke converted after later completions): interpolate between anchors
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (this.agentAt[mid]! <= t) lo = mid;
      else hi = mid;
    }
    const a0 = this.agentAt[lo]!;
    const a1 = this.agentAt[hi]!;
    const l0 = this.localAt[lo]!;
    const l1 = this.localAt[hi]!;
    return clamp0(a1 === a0 ? l0 : l0 + ((t - a0) * (l1 - l0)) / (a1 - a0));
  }
}

function clamp0(v: number): number {
  return v < 0 ? 0 : Math.round(v);
}
