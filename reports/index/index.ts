// `rdma-chaos report index STORE_DIR`: index.html over every run in a store, built from cached
// per-run summaries; --render also (re)writes the report.html of runs that lack an up-to-date one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChaosError, InputError, type NightRun } from '../../harness/core';
import { writeReport, type ReportOptions } from '../html';
import { findRunDirs, indexRun, type IndexedRun } from './cache';
import { nightRunFindings, whatChanged, type FindingRef, type NightChanges } from './changes';
import { readNights } from './nights';
import type { NightRunLink, NightsView } from './nights-render';
import { href, renderIndex } from './render';
import writeFileAtomic from 'write-file-atomic';

export { findRunDirs, indexRun, SUMMARY_FILE, type IndexedRun } from './cache';
export { campaignNight, campaignNights, findingKey, nightRunFindings, quiet, whatChanged, type CampaignNight, type CellState, type FindingRef, type Flip, type NewFinding, type NightChanges } from './changes';
export { readNights, type StoreNights } from './nights';
export { fmtMs, renderNights, type NightRunLink, type NightsView } from './nights-render';
export { renderIndex } from './render';

export interface IndexOptions {
  out?: string;
  /** render missing or outdated report.html files too (reads their histories: slow) */
  render?: boolean;
  reportOptions?: ReportOptions;
  now?: Date;
  /** nights per campaign row of the morning view (default 14) */
  nights?: number;
}

export interface IndexResult {
  file: string;
  runs: number;
  cached: number;
  rendered: number;
  broken: number;
  /** nights read from STORE/nights (0 for a store of plain runs) */
  nights: number;
  /** per suite: its latest night against the one before */
  changes: NightChanges[];
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
  const nights = nightsView(store, out, runs, o.nights ?? 14);
  const html = renderIndex({ store, out, runs, generatedAt: (o.now ?? new Date()).toISOString(), nights });
  writeFileAtomic.sync(out, html);
  const n = [...nights.suites.values()].reduce((k, l) => k + l.length, 0);
  return { file: out, runs: runs.length, cached: runs.filter((r) => r.cached).length, rendered, broken: runs.filter((r) => r.error).length, nights: n, changes: nights.changes, ms: performance.now() - t0 };
}

/** the morning view's data: night runs find their run directories among the indexed runs */
function nightsView(store: string, out: string, runs: readonly IndexedRun[], last: number): NightsView {
  const stored = readNights(store);
  const byDir = new Map(runs.map((r) => [path.resolve(r.dir), r]));
  const indexed = (r: NightRun): IndexedRun | undefined => (r.dir === undefined ? undefined : byDir.get(path.resolve(store, r.dir)));
  // results.json's findings say kind and node; the night record's own list is the fallback
  const findingsOf = (r: NightRun): FindingRef[] => {
    const ir = indexed(r);
    return ir && !ir.error ? ir.summary.findings : nightRunFindings(r);
  };
  const link = (r: NightRun): NightRunLink | undefined => {
    if (r.dir === undefined) return undefined;
    const dir = path.resolve(store, r.dir);
    const ir = indexed(r);
    const report = ir ? ir.report : fs.existsSync(path.join(dir, 'report.html'));
    return { href: report ? href(out, path.join(dir, 'report.html')) : `${href(out, dir)}/`, report };
  };
  const changes = [...stored.suites.values()].map((l) => whatChanged(l[l.length - 1]!, l[l.length - 2], findingsOf));
  return { suites: stored.suites, changes, errors: stored.errors, last: Math.max(1, last), link };
}
