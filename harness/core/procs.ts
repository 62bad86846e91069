// Telling a live process from a dead one across a controller's death: a PID plus its start time
// (field 22 of /proc/PID/stat) names one process for the life of the machine, and its command
// line must still mention a marker (the cluster's state dir; '' for any). Liveness is judged by
// /proc/PID/stat state, not kill -0: PID 1 here reaps late, so a dead process lingers as a
// zombie for seconds. Shared by the cluster's processes and locks and the run store's owner.
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

/**
 * Set by `rdma-chaos nightly` on the runs it starts: the run watches its stdin, and when the
 * suite's controller dies the pipe closes and the run dies with it (see harness/main.ts).
 */
export const WATCH_STDIN_ENV = 'RDMA_CHAOS_WATCH_STDIN';
