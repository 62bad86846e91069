// Who is running a run directory: owner.json, written when the directory is created and removed
// when results.json is written. A directory with an owner that is gone and no results.json
// was interrupted (a SIGKILLed controller, a reboot): anything can tell it from a run in
// progress, and the next run rechecks it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { identify, isAlive } from '../procs';
import { RUN_FILES } from './results';

/** not in RUN_FILES: those are what a finished run holds, and this one is gone by then */
export const OWNER_FILE = 'owner.json';

export const RunOwner = z.object({
  pid: z.number().int().positive(),
  /** clock ticks since boot when the process started (with the pid: one process) */
  starttime: z.number().int().nonnegative(),
  host: z.string(),
  /** the kernel's boot id: a reboot ends every owner */
  bootId: z.string().optional(),
  startedAt: z.string(),
});
export type RunOwner = z.infer<typeof RunOwner>;

/** live: still running; dead: gone (or the machine rebooted); elsewhere: another host's, cannot tell */
export type OwnerState = 'live' | 'dead' | 'elsewhere';

function bootId(): string | undefined {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** This process as a run's owner. */
export function currentOwner(now = new Date()): RunOwner {
  const me = identify(process.pid, 'run', '');
  const boot = bootId();
  return { pid: process.pid, starttime: me?.starttime ?? 0, host: os.hostname(), ...(boot ? { bootId: boot } : {}), startedAt: now.toISOString() };
}

export function writeRunOwner(dir: string, owner: RunOwner = currentOwner()): void {
  writeFileAtomic.sync(path.join(dir, OWNER_FILE), JSON.stringify(owner) + '\n', { mode: 0o644 });
}

/** undefined when there is none, or it is not an owner file (torn, hand-edited) */
export function readRunOwner(dir: string): RunOwner | undefined {
  try {
    const r = RunOwner.safeParse(JSON.parse(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export function removeRunOwner(dir: string): void {
  fs.rmSync(path.join(dir, OWNER_FILE), { force: true });
}

export function ownerState(o: RunOwner): OwnerState {
  if (o.host !== os.hostname()) return 'elsewhere';
  const boot = bootId();
  if (o.bootId && boot && o.bootId !== boot) return 'dead';
  // marker '': any command line; the PID and its start time say who it is
  return isAlive({ pid: o.pid, starttime: o.starttime, role: 'run', marker: '' }) ? 'live' : 'dead';
}

/**
 * Run directories under `store` (store/<campaign>/<timestamp>/, at most `depth` levels down)
 * whose owner is dead and that have no results.json: interrupted runs, sorted by path. A
 * directory without owner.json (a run from before owners were written) is not listed.
 */
export function findInterruptedRuns(store: string, depth = 4): string[] {
  return walkRunDirs(store, depth, (dir, names) => {
    if (!names.has(OWNER_FILE) && !names.has(RUN_FILES.results)) return 'descend';
    if (names.has(RUN_FILES.results)) return 'skip';
    const o = readRunOwner(dir);
    // an unreadable owner.json was torn by the same kill, or is being written right now
    return (o ? ownerState(o) === 'dead' : ageMs(path.join(dir, OWNER_FILE)) > 10_000) ? 'take' : 'skip';
  });
}

/**
 * The store's directories, at most `depth` levels down, sorted: `pick` sees each one's file
 * names and takes it, skips it, or descends into it (a run directory is never descended).
 */
export function walkRunDirs(store: string, depth: number, pick: (dir: string, files: ReadonlySet<string>) => 'take' | 'skip' | 'descend'): string[] {
  const out: string[] = [];
  const walk = (dir: string, d: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const what = pick(dir, new Set(entries.filter((e) => e.isFile()).map((e) => e.name)));
    if (what === 'take') out.push(dir);
    if (what !== 'descend' || d === 0) return;
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) walk(path.join(dir, e.name), d - 1);
  };
  walk(store, depth);
  return out.sort();
}

function ageMs(f: string): number {
  try {
    return Date.now() - fs.statSync(f).mtimeMs;
  } catch {
    return 0;
  }
}
