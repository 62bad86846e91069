// A store of nights for index tests, written with the real writers: each repetition a run
// directory STORE/<campaign>/<timestamp>/ with results.json (writeResults), each night its
// STORE/nights/<suite>/<night>/night.json as `rdma-chaos nightly` records it (schema-checked).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NIGHTS_DIR, NIGHT_FILES, Night, writeResults, type Finding, type NightOutcome, type NightRun, type RunResults } from '../../harness/core';

export interface PlannedRep {
  outcome: NightOutcome;
  verdict?: RunResults['verdict'];
  /** written into the run's results.json (not the night record) */
  findings?: Pick<Finding, 'kind' | 'node' | 'message'>[];
  durationMs?: number;
  message?: string;
  /** no run directory: the run never started (skipped, crashed early) */
  noDir?: boolean;
}

export interface PlannedNight {
  /** start time; the night id is its file-name-safe form */
  startedAt: Date;
  campaigns: Record<string, PlannedRep[]>;
}

const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');
const stamp = (d: Date): string => d.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');

/** one results.json; the expectation is met exactly when the outcome says so */
export function nightResults(campaign: string, rep: PlannedRep, startedAt: Date, seed: number): RunResults {
  const durationMs = rep.durationMs ?? 60_000;
  const verdict = rep.verdict ?? (rep.outcome === 'met' ? 'valid' : rep.outcome === 'not-met' ? 'invalid' : 'unknown');
  const r: RunResults = {
    schema: 1,
    campaign,
    seed,
    startedAt: startedAt.toISOString(),
    endedAt: new Date(startedAt.getTime() + durationMs).toISOString(),
    durationMs,
    cluster: { driver: 'local', nodes: ['node1', 'node2'], rails: 2 },
    verdict,
    checks: [],
    findings: (rep.findings ?? []).map((f) => ({ ...f, excerpt: f.message, activeFaults: [] })),
    faults: [],
    counters: [],
    stats: [],
    clean: true,
  };
  if (rep.outcome === 'met' || rep.outcome === 'not-met') r.expected = { verdict: 'valid', matched: rep.outcome === 'met' };
  if (rep.outcome === 'infra') r.infrastructureFault = { reason: rep.message ?? 'the testbed broke', repaired: true };
  return r;
}

/** writes every night's runs and records; returns the night records, oldest first */
export function writeNightStore(store: string, suite: string, nights: readonly PlannedNight[]): Night[] {
  return nights.map((pn) => {
    const id = stamp(pn.startedAt);
    const runs: NightRun[] = [];
    let t = pn.startedAt.getTime();
    for (const [campaign, reps] of Object.entries(pn.campaigns)) {
      reps.forEach((rep, i) => {
        const seed = 1000 + runs.length;
        const r: NightRun = { id: `${runs.length}-${campaign}-r${i + 1}`, campaign, file: `/suites/${safe(campaign)}.yaml`, repetition: i + 1, repetitions: reps.length, seed, status: 'done', outcome: rep.outcome };
        if (rep.outcome !== 'skipped' && !rep.noDir) {
          const started = new Date(t);
          const res = nightResults(campaign, rep, started, seed);
          const rel = path.join(safe(campaign), stamp(started));
          fs.mkdirSync(path.join(store, rel), { recursive: true });
          writeResults(path.join(store, rel), res);
          Object.assign(r, { dir: rel, verdict: res.verdict, durationMs: res.durationMs, startedAt: res.startedAt, endedAt: res.endedAt });
          if (res.expected) r.expected = res.expected;
          t += res.durationMs + 1000;
        }
        if (rep.message) r.message = rep.message;
        runs.push(r);
      });
    }
    const night = Night.parse({ schema: 1, suite, suiteFile: `/suites/${safe(suite)}.yaml`, night: id, startedAt: pn.startedAt.toISOString(), endedAt: new Date(t).toISOString(), cluster: 'local', budgetMs: 8 * 3600_000, starts: 1, runs, exitCode: 1 });
    const dir = path.join(store, NIGHTS_DIR, safe(suite), id);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, NIGHT_FILES.night), JSON.stringify(night, null, 1) + '\n');
    return night;
  });
}
