// Retention (`--keep 30d`, `--keep 20`): old run directories keep every verdict and every
// byte, smaller. Their history, counters and logs are gzipped in place, and every reader takes
// either form (runDataFile; history/gzip.ts), so `recheck`, `report` and `check` work as before.
// Each file goes to a temp name, is fsynced and renamed, and only then is the plain one removed:
// a kill at any point leaves the plain file or the .gz whole. Node's zlib does the compressing
// (built in, and native: a 200 MB history in seconds).
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { ageToMs } from '../duration';
import { InputError } from '../errors';
import { procStat } from '../procs';
import { OWNER_FILE, ownerState, readRunOwner, walkRunDirs } from './owner';
import { RUN_FILES } from './results';

/** what retention keeps plain: runs younger than `ms`, or each campaign's newest `runs` */
export type Keep = { kind: 'age'; ms: number } | { kind: 'count'; runs: number };

/** "30d", "12h" (an age) or "20" (a count of runs per campaign); `option` names it in the error */
export function parseKeep(text: string, option = '--keep'): Keep {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const runs = Number(t);
    if (runs >= 1 && Number.isSafeInteger(runs)) return { kind: 'count', runs };
  } else {
    const ms = ageToMs(t);
    if (ms !== undefined && ms > 0 && Number.isFinite(ms)) return { kind: 'age', ms };
  }
  throw new InputError('retention.badKeep', `${option} ${JSON.stringify(text)}: not an age (30d, 12h) or a count of runs per campaign (a positive integer)`);
}

export interface CompressedRun {
  dir: string;
  /** paths relative to `dir` that were gzipped now (each is `<path>.gz` now) */
  files: string[];
  /** the run was left alone, and why: a controller still owns it */
  skipped?: string;
}

export interface RetentionOptions {
  signal?: AbortSignal;
  /** how deep run directories sit under the store (store/<campaign>/<timestamp>/: 2) */
  depth?: number;
}

export interface RetentionResult {
  /** runs that had something gzipped now (already compressed ones are not listed) */
  compressed: CompressedRun[];
  /** runs retention picked but left alone: still owned by a live controller, or another host's */
  skipped: CompressedRun[];
}

/**
 * Gzips the older runs of `store` (directories with results.json): those that ended longer than
 * `keep.ms` before `now`, or all but each campaign's newest `keep.runs`. Idempotent.
 */
export async function applyRetention(store: string, keep: Keep, now: Date = new Date(), o: RetentionOptions = {}): Promise<RetentionResult> {
  const out: RetentionResult = { compressed: [], skipped: [] };
  for (const dir of pickOld(store, keep, now, o.depth ?? 4)) {
    if (o.signal?.aborted) break;
    const r = await compressRunDir(dir, o);
    if (r.skipped !== undefined) out.skipped.push(r);
    else if (r.files.length) out.compressed.push(r);
  }
  return out;
}

/** the run directories that `keep` does not keep plain, sorted by path */
export function pickOld(store: string, keep: Keep, now: Date = new Date(), depth = 4): string[] {
  const runs = walkRunDirs(store, depth, (_d, files) => (files.has(RUN_FILES.results) ? 'take' : 'descend')).map(runTime);
  if (keep.kind === 'age') return runs.filter((r) => now.getTime() - r.ended > keep.ms).map((r) => r.dir);
  const byCampaign = new Map<string, typeof runs>();
  for (const r of runs) byCampaign.set(r.campaign, [...(byCampaign.get(r.campaign) ?? []), r]);
  const old: string[] = [];
  for (const list of byCampaign.values()) {
    list.sort((a, b) => b.ended - a.ended || (a.dir < b.dir ? 1 : -1));
    old.push(...list.slice(keep.runs).map((r) => r.dir));
  }
  return old.sort();
}

/**
 * Gzips a run directory's history, counters and logs. A run whose owner.json names a live
 * controller (or another host's, or is unreadable) is left alone. Idempotent: a second call
 * does nothing, and one after a kill finishes the job.
 */
export async function compressRunDir(dir: string, o: { signal?: AbortSignal } = {}): Promise<CompressedRun> {
  const skipped = ownedBy(dir);
  if (skipped !== undefined) return { dir, files: [], skipped };
  const files: string[] = [];
  for (const rel of candidates(dir)) {
    if (o.signal?.aborted) break;
    if (await gzipFile(path.join(dir, rel), o.signal)) files.push(rel);
  }
  return { dir, files };
}

function ownedBy(dir: string): string | undefined {
  if (!fs.existsSync(path.join(dir, OWNER_FILE))) return undefined;
  const owner = readRunOwner(dir);
  // torn, or being written this moment: not ours to judge
  if (!owner) return `${OWNER_FILE} is unreadable`;
  const state = ownerState(owner);
  return state === 'dead' ? undefined : state === 'live' ? `in progress (pid ${owner.pid}, ${OWNER_FILE})` : `owned by a controller on ${owner.host}`;
}

/** the files to gzip, relative to dir: history, counters, the controller's and the nodes' logs */
function candidates(dir: string): string[] {
  const logs = (sub: string): string[] => {
    try {
      return fs.readdirSync(path.join(dir, sub)).filter((n) => n.endsWith('.log')).sort().map((n) => path.join(sub, n));
    } catch {
      return [];
    }
  };
  const names = [RUN_FILES.history, RUN_FILES.counters, RUN_FILES.controllerLog, ...logs(RUN_FILES.agentsDir), ...logs(RUN_FILES.consolesDir)];
  for (const sub of ['.', RUN_FILES.agentsDir, RUN_FILES.consolesDir]) removeStaleTemps(path.join(dir, sub));
  return names.filter((n) => fs.existsSync(path.join(dir, n)));
}

const TEMP = /\.gz\.(\d+)\.tmp$/;
const tempOf = (gz: string): string => `${gz}.${process.pid}.tmp`;

/** temps of a compression that was killed (its process is gone); a live one's are its own */
function removeStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = TEMP.exec(n);
    if (m && Number(m[1]) !== process.pid && procStat(Number(m[1])) === undefined) fs.rmSync(path.join(dir, n), { force: true });
  }
}

/** file -> file.gz (temp, fsync, rename, fsync the directory), then file removed; false if it was gone */
async function gzipFile(file: string, signal?: AbortSignal): Promise<boolean> {
  const gz = `${file}.gz`;
  const tmp = tempOf(gz);
  let st: fs.Stats;
  try {
    st = await fsp.stat(file);
  } catch {
    return false; // another retention finished it
  }
  // both there: a kill came after the rename; gzip again rather than trust what may be another's
  try {
    await pipeline(fs.createReadStream(file), zlib.createGzip(), fs.createWriteStream(tmp, { mode: st.mode & 0o777 }), { ...(signal ? { signal } : {}) });
    // fsync is of the file, whichever descriptor asks (a FileHandle's stream would hold it open)
    await syncPath(tmp, 'r+');
  } catch (e: unknown) {
    await fsp.rm(tmp, { force: true });
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  // the .gz keeps the plain file's times: what an age or a report reads from them stays true
  await fsp.utimes(tmp, st.atime, st.mtime);
  await fsp.rename(tmp, gz);
  await syncPath(path.dirname(file), 'r');
  await fsp.rm(file, { force: true });
  return true;
}

async function syncPath(p: string, flags: string): Promise<void> {
  const d = await fsp.open(p, flags);
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** a run's end (results.json's endedAt, else its mtime) and campaign (else its parent's name) */
function runTime(dir: string): { dir: string; ended: number; campaign: string } {
  const file = path.join(dir, RUN_FILES.results);
  let ended = NaN;
  let campaign: string | undefined;
  try {
    // not readResults: an older schema's results.json still says when and what
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as { endedAt?: unknown; campaign?: unknown };
    if (typeof r.endedAt === 'string') ended = Date.parse(r.endedAt);
    if (typeof r.campaign === 'string') campaign = r.campaign;
  } catch {
    /* torn or hand-edited: its mtime and place say it */
  }
  if (!Number.isFinite(ended)) ended = fs.statSync(file).mtimeMs;
  return { dir, ended, campaign: campaign ?? path.basename(path.dirname(dir)) };
}
