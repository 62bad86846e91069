// `rdma-chaos report index STORE_DIR`: index.html over every run in a store, built from cached
// per-run summaries; --render also (re)writes the report.html of runs that lack an up-to-date one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChaosError, InputError } from '../../harness/core';
import { writeReport, type ReportOptions } from '../html';
import { findRunDirs, indexRun, type IndexedRun } from './cache';
import { renderIndex } from './render';
import writeFileAtomic from 'write-file-atomic';

export { findRunDirs, indexRun, SUMMARY_FILE, type IndexedRun } from './cache';
export { renderIndex } from './render';

export interface IndexOptions {
  out?: string;
  /** render missing or outdated report.html files too (reads their histories: slow) */
  render?: boolean;
  reportOptions?: ReportOptions;
  now?: Date;
}

export interface IndexResult {
  file: string;
  runs: number;
  cached: number;
  rendered: number;
  broken: number;
  ms: number;
}

export function buildIndex(store: string, o: IndexOptions = {}): IndexResult {
  const t0 = performance.now();
  if (!fs.existsSync(store) || !fs.statSync(store).isDirectory()) throw new InputError('report.noStore', `${store}: no such store directory`);
  const out = o.out ?? path.join(store, 'index.html');
  const runs: IndexedRun[] = findRunDirs(store).map(indexRun);
  let rendered = 0;
  if (o.render) {
    for (const r of runs) {
      if (r.report || r.error) continue;
      try {
        writeReport(r.dir, undefined, o.reportOptions);
        r.report = true;
        rendered++;
      } catch (e: unknown) {
        // one run's bad history must not cost the whole night its index
        if (!(e instanceof ChaosError)) throw e;
        r.error = `report not rendered: ${e.message}`;
      }
    }
  }
  const html = renderIndex({ store, out, runs, generatedAt: (o.now ?? new Date()).toISOString() });
  writeFileAtomic.sync(out, html);
  return { file: out, runs: runs.length, cached: runs.filter((r) => r.cached).length, rendered, broken: runs.filter((r) => r.error).length, ms: performance.now() - t0 };
}
