// The night on disk: STORE/nights/<suite>/<night>/night.json, rewritten atomically after every
// step, so a killed controller's `--resume` finds what ran, what was running and what is left.
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { suiteSeed, type Suite } from '../../campaign';
import { InputError, Night, NIGHT_FILES, NIGHTS_DIR, type NightRun } from '../../core';

export interface OpenNight {
  night: Night;
  /** STORE/nights/<suite>/<night> */
  dir: string;
  resumed: boolean;
}

export function nightsOf(store: string, suite: string): string {
  return path.join(store, NIGHTS_DIR, suite);
}

export function readNight(dir: string): Night {
  const file = path.join(dir, NIGHT_FILES.night);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e: unknown) {
    throw new InputError('nightly.badNight', `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(e as Error).message})`}`);
  }
  const r = Night.safeParse(raw);
  if (!r.success) throw new InputError('nightly.badNight', `${file}: ${r.error.issues[0]!.path.join('.') || '(top level)'}: ${r.error.issues[0]!.message}`);
  return r.data;
}

export function saveNight(dir: string, n: Night): void {
  writeFileAtomic.sync(path.join(dir, NIGHT_FILES.night), JSON.stringify(Night.parse(n), null, 1) + '\n');
}

/** the newest night of `suite` that did not end (no exit code), if any */
export function unfinishedNight(store: string, suite: string): string | undefined {
  const base = nightsOf(store, suite);
  if (!fs.existsSync(base)) return undefined;
  const dirs = fs.readdirSync(base).filter((d) => fs.existsSync(path.join(base, d, NIGHT_FILES.night))).sort();
  const last = dirs.at(-1);
  if (last === undefined) return undefined;
  return readNight(path.join(base, last)).exitCode === undefined ? path.join(base, last) : undefined;
}

/**
 * The runs of a new night, round-robin over the campaigns (every campaign's first repetition
 * before any second one), so a budget that runs out still leaves every campaign run once.
 */
export function planNight(suite: Suite, draw: () => number = () => randomInt(1, 2 ** 31 - 1)): NightRun[] {
  const runs: NightRun[] = [];
  const most = Math.max(...suite.entries.map((e) => e.repetitions));
  for (let rep = 1; rep <= most; rep++) {
    for (const e of suite.entries) {
      if (rep > e.repetitions) continue;
      const id = `${String(runs.length + 1).padStart(3, '0')}-${e.campaign}-r${rep}`;
      runs.push({ id, campaign: e.campaign, file: e.file, repetition: rep, repetitions: e.repetitions, seed: suiteSeed(e, rep, draw), status: 'pending' });
    }
  }
  return runs;
}

/** a file-name-safe id from a time: 2026-12-04T02-00-00-000Z */
export function nightId(at: Date): string {
  return at.toISOString().replace(/[:.]/g, '-');
}

export function createNight(store: string, suite: Suite, cluster: string, at: Date): OpenNight {
  const id = nightId(at);
  const dir = path.join(nightsOf(store, suite.name), id);
  fs.mkdirSync(dir, { recursive: true });
  const night: Night = {
    schema: 1, suite: suite.name, suiteFile: suite.file, night: id, startedAt: at.toISOString(), cluster,
    budgetMs: suite.budgetMs, starts: 1, runs: planNight(suite),
  };
  saveNight(dir, night);
  return { night, dir, resumed: false };
}
