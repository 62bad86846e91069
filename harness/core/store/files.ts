// Reading and writing the run directory's own files. Bad files end with one line naming the file
// (and line), exit 254; results.json is written whole or not at all (a temp file renamed).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, inputAt } from '../errors';
import { readBytes } from '../history';
import { RUN_FILES, RunCounterSample, RunResults } from './results';
import writeFileAtomic from 'write-file-atomic';

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

/**
 * A run's history or counter samples: the plain file, else its .gz (retention compressed it),
 * else undefined. A kill during compression can leave both: the plain one is whole, and read.
 */
export function runDataFile(dir: string, what: 'history' | 'counters'): string | undefined {
  const [plain, gz] = what === 'history' ? [RUN_FILES.history, RUN_FILES.historyGz] : [RUN_FILES.counters, RUN_FILES.countersGz];
  for (const name of [plain, gz]) if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  return undefined;
}

/** counters.jsonl, or a gzip of it; none: no samples */
export function readCounterSamples(file: string): RunCounterSample[] {
  if (!fs.existsSync(file)) return [];
  const out: RunCounterSample[] = [];
  let text: string;
  try {
    text = readBytes(file).toString('utf8');
  } catch (e: unknown) {
    if (e instanceof InputError) throw e; // bad gzip data, named
    throw inputAt('report.badCounters', file, undefined, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    if (l.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(l);
    } catch {
      // a last line with no newline was torn by a killed controller: a lost sample, not bad input
      if (i === lines.length - 1) return;
      throw inputAt('report.badCounters', file, i + 1, 'not valid JSON');
    }
    const r = RunCounterSample.safeParse(raw);
    if (!r.success) throw inputAt('report.badCounters', file, i + 1, `${r.error.issues[0]!.path.map(String).join('.')}: ${r.error.issues[0]!.message}`);
    out.push(r.data);
  });
  return out;
}

/** results.json, validated, written atomically */
export function writeResults(dir: string, r: RunResults): void {
  const parsed = RunResults.parse(r);
  const file = path.join(dir, RUN_FILES.results);
  writeFileAtomic.sync(file, JSON.stringify(parsed, null, 1) + '\n');
}
