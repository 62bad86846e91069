// Per-run summaries for the nightly index, cached beside each run as .report-summary.json and
// keyed by results.json's size and mtime, so a nightly rebuild over hundreds of runs reads
// one small file per unchanged run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES, walkRunDirs } from '../../harness/core';
import { readResults } from '../../harness/core';
import { summarize, type RunSummary } from '../summary';

export const SUMMARY_FILE = '.report-summary.json';
const VERSION = 1;

interface CacheEntry {
  v: number;
  size: number;
  mtimeMs: number;
  summary: RunSummary;
}

export interface IndexedRun {
  dir: string;
  summary: RunSummary;
  /** report.html exists and is newer than results.json */
  report: boolean;
  cached: boolean;
  /** results.json could not be read: shown as such, never fatal for the whole index */
  error?: string;
}

/** Run directories under `store`: any directory holding results.json, at most `depth` levels down. */
export function findRunDirs(store: string, depth = 4): string[] {
  return walkRunDirs(store, depth, (_dir, files) => (files.has(RUN_FILES.results) ? 'take' : 'descend'));
}

export function indexRun(dir: string): IndexedRun {
  const file = path.join(dir, RUN_FILES.results);
  const cacheFile = path.join(dir, SUMMARY_FILE);
  const st = fs.statSync(file);
  const reportSt = statOrNull(path.join(dir, 'report.html'));
  const report = reportSt !== null && reportSt.mtimeMs >= st.mtimeMs;
  try {
    const c = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as CacheEntry;
    if (c.v === VERSION && c.size === st.size && c.mtimeMs === st.mtimeMs) return { dir, summary: c.summary, report, cached: true };
  } catch {
    /* no cache or a stale one: compute */
  }
  let summary: RunSummary;
  try {
    summary = summarize(readResults(file));
  } catch (e: unknown) {
    return { dir, summary: brokenSummary(dir), report, cached: false, error: (e as Error).message };
  }
  const entry: CacheEntry = { v: VERSION, size: st.size, mtimeMs: st.mtimeMs, summary };
  try {
    fs.writeFileSync(cacheFile, JSON.stringify(entry));
  } catch {
    /* a read-only store still gets its index, only slower next time */
  }
  return { dir, summary, report, cached: false };
}

function statOrNull(f: string): fs.Stats | null {
  try {
    return fs.statSync(f);
  } catch {
    return null;
  }
}

function brokenSummary(dir: string): RunSummary {
  return { campaign: path.basename(path.dirname(dir)), seed: '', startedAt: '', durationMs: 0, verdict: 'unknown', clean: false, notClean: [], findings: [], checks: [], violations: 0, opsPerSec: 0, ops: 0, patterns: [] };
}
