// Live progress while a run goes: elapsed against planned, ops done and their rate, the
// ok/info/fail split, active faults. One line rewritten in place each second on a terminal; a
// plain line every 10 s otherwise (CI and nightly logs), and a last one at the end.
import type { Output } from '../core';

/** completions the recorder has seen so far, by outcome */
export interface OpCounts {
  ok: number;
  info: number;
  fail: number;
}

export interface ProgressSource {
  counts(): OpCounts;
  activeFaults(): string[];
}

export interface ProgressOptions {
  /** when the workload started (Date.now() ms) */
  startedAt: number;
  /** the campaign's duration; a lagging schedule may run past it */
  plannedMs: number;
  /** print nothing (`run --quiet`) */
  quiet?: boolean;
}

/** a terminal's line is rewritten this often; a log gets a line this often */
export const TTY_EVERY_MS = 1_000;
export const LOG_EVERY_MS = 10_000;

/**
 * A line rewritten in place: back to column 0, erase the line (ANSI EL2), and cut to the
 * terminal's width less one, so it never wraps into a row the next tick cannot reach.
 */
export function statusLine(line: string, columns: number | undefined): string {
  const width = Math.max(20, (columns ?? 80) - 1);
  return `\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`;
}

/** `[ 12s/20s] ops 1,234 (56/s)  ok 1,200 info 30 fail 4  faults: none` */
export function progressLine(elapsedMs: number, plannedMs: number, c: OpCounts, rate: number, faults: string[]): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const planned = String(Math.round(plannedMs / 1000));
  // one column more than the plan's: the run is capped at twice its duration, so the width holds
  const elapsed = String(Math.floor(Math.max(0, elapsedMs) / 1000)).padStart(planned.length + 1);
  return `[${elapsed}s/${planned}s] ops ${n(c.ok + c.info + c.fail)} (${n(rate)}/s)  ok ${n(c.ok)} info ${n(c.info)} fail ${n(c.fail)}  faults: ${faults.length ? faults.join(', ') : 'none'}`;
}

/** starts the line; the function returned prints the last one and stops */
export function startProgress(out: Output, src: ProgressSource, o: ProgressOptions): () => void {
  if (o.quiet) return () => undefined;
  const tty = out.isTTY === true;
  let lastOps = 0;
  let lastAt = o.startedAt;
  let rate = 0;
  let shown = false;
  const tick = (): void => {
    const now = Date.now();
    const c = src.counts();
    const ops = c.ok + c.info + c.fail;
    const dt = (now - lastAt) / 1000;
    // the last line often comes just after a tick: a rate over a few ms would be noise
    if (dt >= 0.5 || (!shown && dt > 0)) {
      rate = Math.round((ops - lastOps) / dt);
      lastOps = ops;
      lastAt = now;
    }
    const line = progressLine(now - o.startedAt, o.plannedMs, c, rate, src.activeFaults());
    out.write(tty ? statusLine(line, out.columns) : `${line}\n`);
    shown = true;
  };
  const timer = setInterval(tick, tty ? TTY_EVERY_MS : LOG_EVERY_MS);
  return () => {
    clearInterval(timer);
    tick();
    if (tty) out.write('\n');
  };
}
