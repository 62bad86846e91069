// Reads a stored run directory (harness/core/store/results.ts) into memory for the report. Reports
// read only these files and never contact the cluster. Bad files end with one line naming the
// file (and line), code report.*, exit 254.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../harness/core';
import { loadOps } from '../harness/core';
import type { FaultWindow, Operation } from '../harness/core';
import { RUN_FILES, readCounterSamples, readResults, runDataFile, type RunCounterSample, type RunResults } from '../harness/core';

export interface RunData {
  dir: string;
  results: RunResults;
  /** paired operations of history.jsonl (or its .gz); op ids are indices */
  ops: Operation[];
  faults: FaultWindow[];
  /** campaign.yaml as written by the run (the campaign as run, seed resolved) */
  campaignYaml?: string;
  counterSamples: RunCounterSample[];
  notes: string[];
}

export interface LoadRunOptions {
  /** false: skip history.jsonl (the index needs only results.json) */
  history?: boolean;
}

export function assertRunDir(dir: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new InputError('report.noRunDir', `${dir}: no such run directory`);
  }
  if (!st.isDirectory()) throw new InputError('report.noRunDir', `${dir}: not a directory (expected a run directory with ${RUN_FILES.results})`);
  if (!fs.existsSync(path.join(dir, RUN_FILES.results))) {
    // a history and no results: the run was interrupted, or is still going
    const hint = runDataFile(dir, 'history') !== undefined ? `the run did not finish: \`rdma-chaos recheck ${dir}\` checks it and writes it` : `is ${dir} a run directory?`;
    throw new InputError('report.noResults', `${path.join(dir, RUN_FILES.results)}: no such file (${hint})`);
  }
}

export function loadRun(dir: string, o: LoadRunOptions = {}): RunData {
  assertRunDir(dir);
  const results = readResults(path.join(dir, RUN_FILES.results));
  const notes: string[] = [];
  let ops: Operation[] = [];
  let faults: FaultWindow[] = [];
  const hist = runDataFile(dir, 'history');
  if (o.history !== false) {
    if (hist !== undefined) {
      const h = loadOps(hist, 'native');
      ops = h.ops;
      faults = h.faults;
      notes.push(...h.warnings);
    } else notes.push(`${RUN_FILES.history} is missing: the timeline and charts are empty`);
  }
  const campaignFile = path.join(dir, RUN_FILES.campaign);
  const data: RunData = { dir, results, ops, faults, counterSamples: readCounterSamples(runDataFile(dir, 'counters') ?? path.join(dir, RUN_FILES.counters)), notes };
  if (fs.existsSync(campaignFile)) data.campaignYaml = fs.readFileSync(campaignFile, 'utf8');
  else notes.push(`${RUN_FILES.campaign} is missing`);
  return data;
}
