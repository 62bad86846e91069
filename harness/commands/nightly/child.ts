// One campaign run of the night, as its own `rdma-chaos run` process: a harness crash, a hang
// or an out-of-memory check ends that run only, and a run over its time is stopped (SIGTERM,
// then SIGKILL). The child watches its stdin: when the suite's controller dies (SIGKILL, a
// reboot), the pipe closes and the child dies with it, as a killed controller would; the next
// run heals what it left, and `nightly --resume` checks it as an interrupted run.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { WATCH_STDIN_ENV } from '../../core';

export interface ChildOptions {
  args: string[];
  timeoutMs: number;
  /** each line the run writes on stderr (its stage lines and progress) */
  line(l: string): void;
  /** the run directory, as soon as the run has created it */
  onDir(dir: string): void;
  onPid(pid: number): void;
  /** the suite was interrupted: stop the run (SIGTERM: it heals and stores what it has) */
  signal: AbortSignal;
}

export interface ChildEnd {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  dir?: string;
  /** the run's --json summary, when it printed one */
  summary?: Record<string, unknown>;
  /** the last stderr lines, for a crash's message */
  tail: string[];
  timedOut: boolean;
  /** ms from the start to the run directory's creation, and to the exit */
  dirAtMs?: number;
  ms: number;
}

/** how to start this controller again: compiled, or from the sources under ts-node-like register */
function selfCommand(): string[] {
  const ext = path.extname(__filename);
  const main = path.resolve(__dirname, '..', '..', `main${ext}`);
  return ext === '.ts' ? ['-r', path.resolve(__dirname, '..', '..', 'cluster', 'test-support', 'ts-register.js'), main] : [main];
}

const KILL_GRACE_MS = 60_000;

export function runChild(o: ChildOptions): Promise<ChildEnd> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [...selfCommand(), ...o.args], {
    env: { ...process.env, [WATCH_STDIN_ENV]: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) o.onPid(child.pid);
  const tail: string[] = [];
  let out = '';
  let err = '';
  let dir: string | undefined;
  let dirAtMs: number | undefined;
  let timedOut = false;
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
    let i: number;
    while ((i = err.search(/[\r\n]/)) >= 0) {
      const l = err.slice(0, i).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim();
      err = err.slice(i + 1);
      if (!l) continue;
      tail.push(l);
      if (tail.length > 20) tail.shift();
      o.line(l);
      const m = /^rdma-chaos: run directory (.+)$/.exec(l);
      if (m && dir === undefined) {
        dir = m[1]!;
        dirAtMs = Date.now() - t0;
        o.onDir(dir);
      }
    }
  });
  // EPIPE on a child that died first is not ours to report
  child.stdin!.on('error', () => undefined);
  let killer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, o.timeoutMs);
  o.signal.addEventListener('abort', stop, { once: true });
  return new Promise((resolve) => {
    child.once('error', (e) => tail.push(`could not start: ${e.message}`));
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      if (killer) clearTimeout(killer);
      o.signal.removeEventListener('abort', stop);
      let summary: Record<string, unknown> | undefined;
      const last = out.trim().split('\n').pop();
      try {
        if (last) summary = JSON.parse(last) as Record<string, unknown>;
      } catch {
        /* no summary: the run crashed before it */
      }
      resolve({ exitCode: code, signal: sig, ...(dir !== undefined ? { dir } : {}), ...(summary ? { summary } : {}), tail, timedOut, ...(dirAtMs !== undefined ? { dirAtMs } : {}), ms: Date.now() - t0 });
    });
  });
}
