// The controller's lease on the agent. Every request renews it. The agent gives up early
// enough to heal its faults and exit before the lease ends, so "the controller went away"
// always ends with a clean node within one lease period.
export class Lease {
  private ttlMs: number;
  private last = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    ttlMs: number,
    private readonly onExpire: () => void,
    private readonly onRenew: (ttlMs: number) => void = () => undefined,
  ) {
    this.ttlMs = ttlMs;
  }

  /** time kept back for healing: a quarter of the lease, at most 1 s */
  get reserveMs(): number {
    return Math.min(1000, this.ttlMs / 4);
  }

  get ttl(): number {
    return this.ttlMs;
  }

  start(): void {
    const expired = (): boolean => Date.now() - this.last > this.ttlMs - this.reserveMs;
    this.timer = setInterval(() => {
      if (!expired()) return;
      // After the process was not scheduled for a while (a starved TCG guest), timers run before
      // the event loop reads the renewals that arrived meanwhile: look again after that I/O.
      setImmediate(() => {
        if (this.timer === undefined || !expired()) return;
        this.stop();
        this.onExpire();
      });
    }, Math.max(10, Math.min(100, this.ttlMs / 20)));
    this.timer.unref();
  }

  renew(ttlMs?: number): void {
    if (ttlMs !== undefined) this.ttlMs = ttlMs;
    this.last = Date.now();
    this.onRenew(this.ttlMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
