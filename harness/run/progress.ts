// Live progress while a run goes: ops done, rate, active faults, time left. One line rewritten
// in place on a terminal; a plain line every few seconds otherwise (CI logs).
import type { Output } from '../core';

export interface ProgressSource {
  ops(): number;
  activeFaults(): string[];
}

/**
 * A line rewritten in place: back to column 0, erase the line (ANSI EL2), and cut to the
 * terminal's width less one, so it never wraps into a row the next tick cannot reach.
 */
export function statusLine(line: string, columns: number | undefined): string {
  const width = Math.max(20, (columns ?? 80) - 1);
  return `\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`;
}

export function startProgress(out: Output, src: ProgressSource, startedAt: number, durationMs: number): () => void {
  const tty = out.isTTY === true;
  let lastOps = 0;
  let lastAt = Date.now();
  let rate = 0;
  let ticks = 0;
  const tick = (): void => {
    const now = Date.now();
    const ops = src.ops();
    const dt = (now - lastAt) / 1000;
    if (dt > 0) rate = Math.round((ops - lastOps) / dt);
    lastOps = ops;
    lastAt = now;
    const elapsed = (now - startedAt) / 1000;
    const left = Math.max(0, durationMs / 1000 - elapsed);
    const faults = src.activeFaults();
    const line = `[${elapsed.toFixed(0).padStart(4)}s] ops ${ops.toLocaleString('en-US')} (${rate.toLocaleString('en-US')}/s)  faults: ${faults.length ? faults.join(', ') : 'none'}  left ${left.toFixed(0)}s`;
    if (tty) out.write(statusLine(line, out.columns));
    else if (ticks++ % 5 === 0) out.write(`${line}\n`);
  };
  const timer = setInterval(tick, 1000);
  return () => {
    clearInterval(timer);
    tick();
    if (tty) out.write('\n');
  };
}
