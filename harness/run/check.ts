// Checking a stored run: the history through the campaign's checks, violations matched to the
// known failure patterns, the expected outcome compared, rxe counter deltas per fault window,
// and results.json written atomically (a temp file renamed), so no run is ever half-written.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkHistory, type Verdict } from '../checkers';
import type { Campaign } from '../campaign';
import { loadOps } from '../history/importers';
import { RUN_FILES, RunResults, SERIOUS_FINDINGS, type CounterDelta, type FaultRecord, type Finding, type WorkloadStats } from '../store/results';
import { checksToRecords, counterDeltas, counterWindows, readCounterSamples, timeBase, workloadStats } from '../../reports';

export interface RunMeta {
  campaign: Campaign;
  seed: number;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  cluster: RunResults['cluster'];
  faults: FaultRecord[];
  findings: Finding[];
  clean: boolean;
  notes: string[];
  infrastructureFault?: RunResults['infrastructureFault'];
}

export function checkRunDir(dir: string, meta: RunMeta, timeoutMs: number, signal?: AbortSignal): RunResults {
  const { ops, faults } = loadOps(path.join(dir, RUN_FILES.history), 'native');
  const only = new Set<'at-most-once' | 'linearizability' | 'stream'>(meta.campaign.checks ?? ['at-most-once', 'linearizability', 'stream']);
  const c = checkHistory(ops, { format: 'native', timeoutMs, explain: true, only, ...(signal ? { signal } : {}) });
  const checks = checksToRecords(c.results, { ops, faults });
  let verdict: Verdict = c.verdict;
  const notes = [...meta.notes];
  // a broken testbed says nothing about the system under test
  if (meta.infrastructureFault) verdict = 'unknown';
  // a node whose kernel died or wedged did not run the schedule as planned: never call that valid
  const serious = meta.findings.filter((f) => SERIOUS_FINDINGS.has(f.kind));
  if (verdict === 'valid' && serious.length) {
    verdict = 'unknown';
    const note = `verdict unknown, not valid: ${serious.map((f) => `${f.kind} on ${f.node}`).join(', ')} (see findings)`;
    if (!notes.includes(note)) notes.push(note); // a recheck carries the first check's notes
  }

  const tb = timeBase(ops, faults);
  const stats: WorkloadStats[] = workloadStats(ops, tb);
  const samplesFile = path.join(dir, RUN_FILES.counters);
  const samples = fs.existsSync(samplesFile) ? readCounterSamples(samplesFile) : [];
  const counters: CounterDelta[] = samples.length ? counterDeltas(samples, counterWindows(faults, tb.t0, tb.t1, (w) => tb.faultStart(w), (w) => tb.faultStop(w))) : [];

  const results: RunResults = {
    schema: 1,
    campaign: meta.campaign.name,
    seed: meta.seed,
    startedAt: meta.startedAt,
    endedAt: meta.endedAt,
    durationMs: meta.durationMs,
    cluster: meta.cluster,
    policy: meta.campaign.policy,
    verdict,
    checks,
    findings: meta.findings,
    faults: meta.faults,
    counters,
    stats,
    clean: meta.clean,
    notes,
  };
  if (meta.infrastructureFault) results.infrastructureFault = meta.infrastructureFault;
  const expect = meta.campaign.expect;
  if (expect) {
    const seen = new Set(checks.flatMap((k) => k.violations.map((v) => v.pattern).filter((p): p is string => !!p)));
    const patternsOk = (expect.patterns ?? []).every((p) => seen.has(patternLabel(p)));
    results.expected = {
      ...(expect.verdict ? { verdict: expect.verdict } : {}),
      ...(expect.patterns ? { patterns: expect.patterns } : {}),
      matched: (expect.verdict === undefined || expect.verdict === verdict) && patternsOk,
    };
  }
  writeResults(dir, results);
  return results;
}

/** campaign pattern names -> the classifier's labels */
export function patternLabel(p: NonNullable<NonNullable<Campaign['expect']>['patterns']>[number]): string {
  switch (p) {
    case 'duplicate-fadd':
      return 'duplicate FADD after failover';
    case 'cas-double-success':
      return 'CAS double success';
    case 'queue-sliding':
      return 'queue sliding';
    case 'stale-write-over-reused-buffer':
      return 'stale write over reused buffer';
  }
}

export function writeResults(dir: string, r: RunResults): void {
  const parsed = RunResults.parse(r);
  const file = path.join(dir, RUN_FILES.results);
  fs.writeFileSync(file + '.tmp', JSON.stringify(parsed, null, 1) + '\n');
  fs.renameSync(file + '.tmp', file);
}
