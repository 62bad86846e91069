// What a run records, as it happens: every history event (the agents', widened by their clock
// uncertainty, and the nemesis') appended and flushed to history.jsonl, rxe counter samples to
// counters.jsonl, and the same stream to InfluxDB when asked. The stages share one Recorder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AgentClient } from '../../agents';
import type { RunPlan } from '../campaign';
import { HistoryWriter, RUN_FILES, type HistoryEvent, type RunCounterSample } from '../core';
import type { AgentHooks } from './agents';
import type { RunMetrics } from './metrics';
import type { OpCounts } from './progress';
import type { RunDir } from './store';

export interface Recorder {
  /** for agents: their history events and log lines */
  readonly hooks: AgentHooks;
  /** keys any op touched (the snapshot keeps zero words only for those) */
  readonly touched: ReadonlySet<string>;
  /** completions so far by outcome, for the progress line */
  opCounts(): OpCounts;
  /** nemesis and snapshot events, recorded as they are */
  record(events: HistoryEvent[]): void;
  /** one sample of every agent's rxe counters; a node that cannot answer is logged once */
  sampleCounters(agents: Iterable<AgentClient>): Promise<void>;
  /** flush and close the files and the metrics stream; never throws */
  close(): Promise<void>;
}

export interface RecorderOptions {
  rd: RunDir;
  plan: RunPlan;
  /** stream live metrics here (InfluxDB 1.x) */
  influx?: string;
  /** the history clock (monotonic ns) */
  now(): number;
  warn(message: string): void;
  /** the history could not be written (a full disk): the run must stop */
  onStoreFailure(e: Error): void;
}

export async function openRecorder(o: RecorderOptions): Promise<Recorder> {
  const writer = new HistoryWriter(path.join(o.rd.dir, RUN_FILES.history), (e) => o.onStoreFailure(e));
  const countersFd = fs.openSync(path.join(o.rd.dir, RUN_FILES.counters), 'a');
  const metrics: RunMetrics | undefined = o.influx ? (await import('./metrics')).openRunMetrics({ url: o.influx, plan: o.plan, dir: o.rd.dir, now: o.now, warn: o.warn }) : undefined;
  if (metrics) o.rd.log(`streaming metrics to ${metrics.url}`);
  const touched = new Set<string>();
  const noCounters = new Set<string>();
  const done: OpCounts = { ok: 0, info: 0, fail: 0 };
  const record = (events: HistoryEvent[]): void => {
    metrics?.events(events);
    writer.append(events);
  };
  return {
    touched,
    opCounts: () => ({ ...done }),
    record,
    hooks: {
      // widen each op by the clock-sync uncertainty: a cross-node order the clocks cannot
      // vouch for is not asserted (no false violations from clock error)
      history: (_node, events, u) => {
        metrics?.events(events);
        const slack = Number.isFinite(u) ? Math.ceil(u) + 1_000_000 : 5_000_000;
        for (const e of events) {
          if (e.key !== undefined) touched.add(String(e.key));
          if (e.time !== undefined) e.time = e.type === 'invoke' ? Math.max(0, e.time - slack) : e.time + slack;
          if (e.type !== 'invoke') done[e.type]++;
        }
        writer.append(events);
      },
      log: (node, line) => o.rd.agentLog(node, line),
    },
    async sampleCounters(agents) {
      await Promise.all(
        [...agents].map(async (a) => {
          try {
            const r = await a.counters();
            const time = a.clock.toLocal(BigInt(r.monotonicNs));
            for (const [device, counters] of Object.entries(r.devices)) {
              const s: RunCounterSample = { time, node: a.node, device, counters };
              if (!writer.failure) fs.writeSync(countersFd, JSON.stringify(s) + '\n');
              metrics?.counters(a.node, device, counters, time);
            }
          } catch (e: unknown) {
            // once per node: a dead agent would fill the log every second
            if (!noCounters.has(a.node)) o.rd.log(`${a.node}: counters unavailable: ${(e as Error).message}`);
            noCounters.add(a.node);
          }
        }),
      );
    },
    async close() {
      writer.sync();
      writer.close();
      if (writer.failure) o.rd.log(`history: ${writer.dropped} event(s) not written after ${writer.failure.message}`);
      fs.closeSync(countersFd);
      if (metrics) {
        const m = await metrics.close();
        o.rd.log(`metrics: ${m.written} points written to ${metrics.url}, ${m.dropped} dropped, ${m.failedWrites} failed writes`);
      }
    },
  };
}
