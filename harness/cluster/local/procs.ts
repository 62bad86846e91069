// Processes the local cluster owns (qemu, vde_switch), identified so that a recycled PID is
// never signalled (the PID + start-time scheme lives in harness/core, shared with the run store).
import * as fs from 'node:fs';
import { identify, isAlive, procCmdline, type OwnedProc } from '../../core';

export { identify, isAlive, procCmdline, procStat, type OwnedProc } from '../../core';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * SIGTERM what is alive, wait up to graceMs, SIGKILL the rest and wait until every one is
 * gone or a zombie. Returns the roles that still looked alive at the end (should be none).
 */
export async function killOwned(procs: readonly OwnedProc[], graceMs = 3000): Promise<string[]> {
  const signal = (sig: NodeJS.Signals): void => {
    for (const p of procs) {
      if (!isAlive(p)) continue;
      try {
        process.kill(p.pid, sig);
      } catch {
        /* exited in between */
      }
    }
  };
  const waitGone = async (ms: number): Promise<boolean> => {
    const end = Date.now() + ms;
    for (;;) {
      if (!procs.some(isAlive)) return true;
      if (Date.now() >= end) return false;
      await sleep(20);
    }
  };
  signal('SIGTERM');
  if (await waitGone(graceMs)) return [];
  signal('SIGKILL');
  await waitGone(5000);
  return procs.filter(isAlive).map((p) => `${p.role} (pid ${p.pid})`);
}

/**
 * Every live process whose program is one of `programs` and whose command line mentions
 * `marker`: the safety net for processes started but not yet recorded when a controller died.
 */
export function scanOwned(marker: string, programs: readonly string[]): OwnedProc[] {
  const out: OwnedProc[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    const argv = procCmdline(pid);
    const prog = (argv[0] ?? '').split('/').pop() ?? '';
    if (!programs.includes(prog) || !argv.some((a) => a.includes(marker))) continue;
    const p = identify(pid, `${prog} (found by scan)`, marker);
    if (p && isAlive(p)) out.push(p);
  }
  return out;
}
