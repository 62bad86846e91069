// `cluster down`: stop every process of the cluster and remove its sockets and state. Works
// from state.json alone (a controller SIGKILLed mid-boot left it there), with a /proc scan for
// processes that started but were not yet recorded. Console logs are kept under logs/ for
// the post-mortem; nothing else stays.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InternalError } from '../../core';
import { fabricBackend, fabricPrograms, sweepFabrics } from './fabric';
import { killOwned, scanOwned, type OwnedProc } from './procs';
import { allProcs, lockState, ownMarker, readState, type ClusterState } from './state';

export interface DownReport {
  /** there was something to stop */
  found: boolean;
  stopped: string[];
  /** where the consoles of the last cluster were kept */
  logsDir?: string;
}

export const QEMU_PROGRAMS = ['qemu-system-x86_64'];

/** Stop and remove; the caller holds the state lock. */
export async function teardownLocked(dir: string, state: ClusterState | undefined): Promise<DownReport> {
  const marker = ownMarker(dir);
  const recorded = state ? allProcs(state) : [];
  const scanned = scanOwned(marker, [...QEMU_PROGRAMS, ...fabricPrograms()]);
  const procs: OwnedProc[] = [...recorded];
  for (const p of scanned) if (!procs.some((r) => r.pid === p.pid && r.starttime === p.starttime)) procs.push(p);

  const survivors = await killOwned(procs);
  for (const f of state?.fabrics ?? []) {
    try {
      await fabricBackend(f.backend).stop?.(f);
    } catch {
      /* unknown backend name in an old state file: its processes are already gone */
    }
  }
  // what a backend made but never recorded (a controller killed in between, a lost state.json)
  await sweepFabrics(dir);
  if (survivors.length > 0) {
    throw new InternalError('cluster.downIncomplete', `${dir}: still running after SIGKILL: ${survivors.join(', ')}`);
  }
  const logsDir = keepLogs(dir, state);
  for (const e of safeReaddir(dir)) {
    if (e === 'logs' || e === 'lock') continue;
    fs.rmSync(path.join(dir, e), { recursive: true, force: true });
  }
  for (const f of state?.fabrics ?? []) for (const p of f.paths) fs.rmSync(p, { recursive: true, force: true });
  return { found: procs.length > 0 || state !== undefined, stopped: procs.map((p) => `${p.role} (pid ${p.pid})`), logsDir };
}

export async function clusterDown(dir: string): Promise<DownReport> {
  const unlock = await lockState(dir, 'cluster down');
  try {
    return await teardownLocked(dir, readState(dir));
  } finally {
    unlock();
  }
}

function keepLogs(dir: string, state: ClusterState | undefined): string | undefined {
  if (!state) return undefined;
  const logs = path.join(dir, 'logs');
  fs.rmSync(logs, { recursive: true, force: true });
  let kept = false;
  for (const n of state.nodes) {
    for (const [src, name] of [[n.consoleLog, 'console.log'], [n.qemuLog, 'qemu.log']] as const) {
      if (!fs.existsSync(src)) continue;
      fs.mkdirSync(logs, { recursive: true });
      fs.copyFileSync(src, path.join(logs, `${n.name}-${name}`));
      kept = true;
    }
  }
  return kept ? logs : undefined;
}

function safeReaddir(d: string): string[] {
  try {
    return fs.readdirSync(d);
  } catch {
    return [];
  }
}
