// Processes the local cluster owns (qemu, vde_switch), identified so that a recycled PID is
// never signalled: a PID plus its start time (field 22 of /proc/PID/stat) names one process
// for the life of the machine, and its command line must still mention our state dir.
// Liveness is judged by /proc/PID/stat state, not kill -0: PID 1 here reaps late, so a dead
// qemu lingers as a zombie for seconds.
import * as fs from 'node:fs';

export interface OwnedProc {
  pid: number;
  /** clock ticks since boot when the process started */
  starttime: number;
  /** what it is, for messages: "qemu node1", "vde_switch rail0" */
  role: string;
  /** a string its command line must contain (the state dir) */
  marker: string;
}

interface ProcStat {
  state: string;
  starttime: number;
  ppid: number;
}

export function procStat(pid: number): ProcStat | undefined {
  let s: string;
  try {
    s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) is in parentheses and may hold spaces: split after the last ')'
  const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3]
  return { state: rest[0] ?? '?', ppid: Number(rest[1]), starttime: Number(rest[19]) };
}

export function procCmdline(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Identify a process we just started. Undefined if it is already gone. */
export function identify(pid: number, role: string, marker: string): OwnedProc | undefined {
  const st = procStat(pid);
  if (!st) return undefined;
  return { pid, starttime: st.starttime, role, marker };
}

/** Still our process, and not a zombie. */
export function isAlive(p: OwnedProc): boolean {
  const st = procStat(p.pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  if (st.starttime !== p.starttime) return false;
  return procCmdline(p.pid).some((a) => a.includes(p.marker));
}

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
