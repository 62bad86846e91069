// Reads a stored run directory (harness/store/results.ts) into memory for the report. Reports
// read only these files and never contact the cluster. Bad files end with one line naming the
// file (and line), code report.*, exit 254.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, inputAt } from '../harness/errors';
import { loadOps } from '../harness/history';
import type { FaultWindow, Operation } from '../harness/history';
import { RUN_FILES, RunCounterSample, RunResults } from '../harness/store/results';

export interface RunData {
  dir: string;
  results: RunResults;
  /** paired operations of history.jsonl; op ids are indices */
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
  if (!fs.existsSync(path.join(dir, RUN_FILES.results))) throw new InputError('report.noResults', `${path.join(dir, RUN_FILES.results)}: no such file (is ${dir} a run directory?)`);
}

export function loadRun(dir: string, o: LoadRunOptions = {}): RunData {
  assertRunDir(dir);
  const results = readResults(path.join(dir, RUN_FILES.results));
  const notes: string[] = [];
  let ops: Operation[] = [];
  let faults: FaultWindow[] = [];
  const hist = path.join(dir, RUN_FILES.history);
  if (o.history !== false) {
    if (fs.existsSync(hist)) {
      const h = loadOps(hist, 'native');
      ops = h.ops;
      faults = h.faults;
    } else notes.push(`${RUN_FILES.history} is missing: the timeline and charts are empty`);
  }
  const campaignFile = path.join(dir, RUN_FILES.campaign);
  const data: RunData = { dir, results, ops, faults, counterSamples: readCounterSamples(path.join(dir, RUN_FILES.counters)), notes };
  if (fs.existsSync(campaignFile)) data.campaignYaml = fs.readFileSync(campaignFile, 'utf8');
  else notes.push(`${RUN_FILES.campaign} is missing`);
  return data;
}

export function readResults(file: string): RunResults {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e: unknown) {
    throw inputAt('report.badResults', file, undefined, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e: unknown) {
    const m = /position (\d+)/.exec((e as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    throw inputAt('report.badResults', file, line, `not valid JSON (${(e as Error).message})`);
  }
  const r = RunResults.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    throw inputAt('report.badResults', file, undefined, `${where}: ${issue.message}`);
  }
  return r.data;
}

export function readCounterSamples(file: string): RunCounterSample[] {
  if (!fs.existsSync(file)) return [];
  const out: RunCounterSample[] = [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((l, i) => {
    if (l.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(l);
    } catch {
      throw inputAt('report.badCounters', file, i + 1, 'not valid JSON');
    }
    const r = RunCounterSample.safeParse(raw);
    if (!r.success) throw inputAt('report.badCounters', file, i + 1, `${r.error.issues[0]!.path.map(String).join('.')}: ${r.error.issues[0]!.message}`);
    out.push(r.data);
  });
  return out;
}
