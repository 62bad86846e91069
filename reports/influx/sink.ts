// The metrics sink a run streams to while it goes. Recording is synchronous and never throws;
// writing happens in the background. If InfluxDB is unreachable the points wait in a bounded
// buffer (oldest dropped first), one warning is printed, and the run, which never waits on
// the sink, goes on. The sink has no access to the history.
import type { InfluxDB, IPoint } from 'influx';
import { influxTarget, openClient, scrub, type InfluxTarget, type TargetOptions } from './client';
import { counterPoint, faultPoint, PerSecond, type CounterSampleIn, type FaultEvent, type OpSample } from './points';

export interface MetricsSinkOptions extends TargetOptions {
  /** tags on every point, e.g. { campaign, run } */
  tags?: Record<string, string>;
  flushIntervalMs?: number;
  /** points held while the database is unreachable (default 50,000) */
  maxBuffer?: number;
  /** points per write request (default 5,000) */
  batchSize?: number;
  requestTimeoutMs?: number;
  /** where the one warning goes (default stderr); it never contains credentials */
  warn?: (message: string) => void;
  /** wall clock in ms (tests) */
  now?: () => number;
}

export interface SinkStats {
  written: number;
  dropped: number;
  buffered: number;
  failedWrites: number;
  warned: boolean;
}

export interface MetricsSink {
  /** the database URL without credentials */
  readonly url: string;
  readonly database: string;
  recordOp(op: OpSample): void;
  recordOps(ops: readonly OpSample[]): void;
  recordFault(e: FaultEvent): void;
  recordCounters(s: CounterSampleIn): void;
  /** writes what is buffered; resolves (never rejects) when the attempt is over */
  flush(): Promise<void>;
  /** final flush within `timeoutMs` (default 3 s), then stops; never rejects */
  close(timeoutMs?: number): Promise<SinkStats>;
  stats(): SinkStats;
}

/** Validates the URL (InputError on a bad one, before the run starts) and opens the sink. */
export function openMetricsSink(o: MetricsSinkOptions): MetricsSink {
  return new Sink(influxTarget(o), o);
}

function cleanTags(tags: Record<string, string> | undefined): Record<string, string> {
  // line protocol has no empty tag values
  return Object.fromEntries(Object.entries(tags ?? {}).filter(([k, v]) => k !== '' && v !== ''));
}

class Sink implements MetricsSink {
  readonly url: string;
  readonly database: string;
  private readonly client: InfluxDB;
  private readonly tags: Record<string, string>;
  private readonly perSecond = new PerSecond();
  private buffer: IPoint[] = [];
  private readonly st: SinkStats = { written: 0, dropped: 0, buffered: 0, failedWrites: 0, warned: false };
  private readonly timer: NodeJS.Timeout;
  private inflight: Promise<void> | undefined;
  private dbReady = false;
  private closed = false;
  private readonly now: () => number;
  private readonly maxBuffer: number;
  private readonly batchSize: number;
  private readonly warn: (m: string) => void;

  constructor(private readonly target: InfluxTarget, o: MetricsSinkOptions) {
    this.url = target.display;
    this.database = target.database;
    this.client = openClient(target, o.requestTimeoutMs ?? 2000);
    this.tags = cleanTags(o.tags);
    this.now = o.now ?? Date.now;
    this.maxBuffer = o.maxBuffer ?? 50_000;
    this.batchSize = o.batchSize ?? 5000;
    this.warn = o.warn ?? ((m) => void process.stderr.write(`rdma-chaos: ${m}\n`));
    this.timer = setInterval(() => void this.flush(), o.flushIntervalMs ?? 1000);
    // a sink must never keep a finished run's process alive
    this.timer.unref();
  }

  recordOp(op: OpSample): void {
    if (this.closed) return;
    try {
      this.perSecond.add(op, this.now());
    } catch {
      /* a malformed sample is dropped, never thrown into the run */
    }
  }

  recordOps(ops: readonly OpSample[]): void {
    for (const op of ops) this.recordOp(op);
  }

  recordFault(e: FaultEvent): void {
    if (!this.closed) this.push([faultPoint(e, this.tags, this.now())]);
  }

  recordCounters(s: CounterSampleIn): void {
    if (this.closed) return;
    const p = counterPoint(s, this.tags, this.now());
    if (p) this.push([p]);
  }

  stats(): SinkStats {
    return { ...this.st, buffered: this.buffer.length };
  }

  private push(points: IPoint[]): void {
    this.buffer.push(...points);
    const over = this.buffer.length - this.maxBuffer;
    if (over > 0) {
      this.buffer.splice(0, over);
      this.st.dropped += over;
    }
  }

  flush(): Promise<void> {
    if (this.inflight) return this.inflight;
    // a second is complete once the clock has left it
    this.push(this.perSecond.drain(this.tags, this.closed ? undefined : this.now()));
    if (this.buffer.length === 0) return Promise.resolve();
    this.inflight = this.writeSome().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async writeSome(): Promise<void> {
    try {
      if (!this.dbReady) {
        // CREATE DATABASE is idempotent in 1.x
        await this.client.createDatabase(this.database);
        this.dbReady = true;
      }
      while (this.buffer.length > 0) {
        const batch = this.buffer.slice(0, this.batchSize);
        await this.client.writePoints(batch, { database: this.database, precision: 'ms' });
        this.buffer.splice(0, batch.length);
        this.st.written += batch.length;
      }
    } catch (e: unknown) {
      this.st.failedWrites++;
      if (!this.st.warned) {
        this.st.warned = true;
        const why = scrub(e instanceof Error ? e.message : String(e), this.target).replace(/\s+/g, ' ').trim();
        this.warn(`writing metrics to InfluxDB at ${this.url} failed (${why}): metrics are buffered (up to ${this.maxBuffer} points, oldest dropped first) and the run goes on`);
      }
    }
  }

  async close(timeoutMs = 3000): Promise<SinkStats> {
    if (!this.closed) {
      this.closed = true;
      clearInterval(this.timer);
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    const drain = async (): Promise<void> => {
      // an in-flight write first, then whatever is left (including the open seconds)
      await this.flush();
      await this.flush();
    };
    await Promise.race([drain().catch(() => undefined), deadline]);
    if (timer) clearTimeout(timer);
    const s = this.stats();
    // what is still buffered at the end is lost: count it
    return { ...s, dropped: s.dropped + s.buffered };
  }
}
