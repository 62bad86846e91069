// Live progress while a run goes: ops done, rate, active faults, time left. One line rewritten
// in place on a terminal; a plain line every few seconds otherwise (CI logs).
import type { Output } from '../core';

export interface ProgressSource {
  ops(): number;
  activeFaults(): string[];
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
    if (tty) out.write(`\r${line.slice(0, 160).padEnd(160)}`);
    else if (ticks++ % 5 === 0) out.write(`${line}\n`);
  };
  const timer = setInterval(tick, 1000);
  return () => {
    clearInterval(timer);
    tick();
    if (tty) out.write('\n');
  };
}
