// The check stage: the stored history through the campaign's checks (each workload's keys with
// its own model), violations classified by the patterns the workloads declare, the expected
// outcome compared, rxe counter deltas per fault window and per-workload statistics. Reads the
// run directory, returns results.json's content; `checkRunDir` also stores it (recheck).
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { confirmFault } from '../../faults';
import { policyTraits } from '../../agents/failover';
import { workloadPackage, workloadPatterns, type InvariantCheck } from '../../workloads';
import { checksToRecords, counterDeltas, counterWindows, workloadStats } from '../analysis';
import { checkCacheTree, checkHistory, worst, type CheckerResult, type SearchProgress, type Verdict } from '../checkers';
import { planRun, type Campaign, type RunPlan } from '../campaign';
import { CHECK_NAMES, loadOps, ownerOf, readCounterSamples, RUN_FILES, runDataFile, SERIOUS_FINDINGS, timeBase, type CheckName, type Operation, type FaultRecord, type Finding, type Output, type RunResults, type WorkloadKeys } from '../core';
import { statusLine } from './progress';
import { storeResults } from './store';

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
  nodesLost?: string[];
  /** the run was interrupted (why, in one line): its results say incomplete */
  incomplete?: string;
}

/** the keys each workload of the plan owns: its regions' words, and a stream per client */
export function workloadKeys(plan: RunPlan): WorkloadKeys[] {
  return plan.workloads.map((w) => {
    const pkg = workloadPackage(w.spec.workload);
    const own = pkg.keys?.(w.spec, placement(plan, w));
    return { workload: w.spec.workload, keys: own ?? [...Object.keys(w.regions).map((r) => `${r}@`), ...(pkg.twoSided ? w.clients.map((c) => `${c}->${w.target}`) : [])] };
  });
}

function placement(plan: RunPlan, w: RunPlan['workloads'][number]): { nodes: number; target: string; clients: string[] } {
  return { nodes: plan.nodes.length, target: w.target, clients: w.clients };
}

/**
 * The protocol workloads' invariants, each over the ops on its own keys, and the ops left for
 * the other checks (a protocol's block writes and decisions are no registers or counters).
 */
function invariantChecks(plan: RunPlan, owners: readonly WorkloadKeys[], ops: readonly Operation[], run: boolean): { results: CheckerResult[]; rest: readonly Operation[] } {
  const selfChecked = plan.workloads.filter((w) => workloadPackage(w.spec.workload).check);
  if (selfChecked.length === 0) return { results: [], rest: ops };
  const mine = new Map<string, Operation[]>(selfChecked.map((w) => [w.spec.workload, []]));
  const rest: Operation[] = [];
  for (const op of ops) {
    const owner = ownerOf(owners, op.key);
    const l = owner === undefined ? undefined : mine.get(owner);
    if (l) l.push(op);
    else rest.push(op);
  }
  const results: CheckerResult[] = [];
  if (!run) return { results, rest };
  for (const w of selfChecked) {
    const t0 = performance.now();
    const r = workloadPackage(w.spec.workload).check!(w.spec, mine.get(w.spec.workload)!, { ...placement(plan, w), workload: w.index });
    const tree = r.cacheTree ? treeCheck(r.cacheTree) : undefined;
    const violations = [...r.violations, ...(tree?.violations ?? [])];
    results.push({
      checker: `${w.spec.workload} invariants`,
      verdict: violations.length ? 'invalid' : r.unknown !== undefined ? 'unknown' : 'valid',
      ms: performance.now() - t0,
      summary: r.unknown ?? (tree ? `${r.summary}; ${tree.summary}` : r.summary),
      violations: violations.map((v) => ({ kind: 'invariant', message: v.message, ops: v.ops })),
      ...(tree ? { cacheTree: tree.record } : {}),
    });
  }
  return { results, rest };
}

/**
 * The cache-tree checker over a workload's rebuilt tree: each violation names the ops that
 * recorded its caches (a fork: both branches down to their first commits).
 */
function treeCheck(t: NonNullable<InvariantCheck['cacheTree']>): { summary: string; violations: { message: string; ops: number[] }[]; record: NonNullable<CheckerResult['cacheTree']> } {
  const found = checkCacheTree(t.caches, t.initial);
  const opsOf = (ids: readonly string[]): number[] => [...new Set(ids.flatMap((id) => (t.opOf.has(id) ? [t.opOf.get(id)!] : [])))];
  const violations = found.map((v) => ({ message: `${v.rule}: ${v.message}`, ops: opsOf(v.branches ? v.branches.flatMap((b) => b.path) : v.caches) }));
  const by = (k: string): number => t.caches.filter((c) => c.kind === k).length;
  const what = `${t.caches.length} caches (${by('E')} elections, ${by('M')} methods, ${by('R')} reconfigurations, ${by('C')} commits)`;
  return {
    summary: found.length ? `the cache tree of ${what} has ${found.length} violation(s)` : `the cache tree of ${what}: commits on one branch, every supporter set a quorum, R1+, R2 and R3 hold`,
    violations,
    record: { initial: [...t.initial], violations: found },
  };
}

/** how far the check stage is: the history read, then each model's search (SearchProgress) */
export type CheckProgress = (p: { phase: 'read'; bytes: number; total: number } | ({ phase: 'search'; model: string } & SearchProgress)) => void;

/**
 * A CheckProgress that prints to `out` (the run's stderr) at most once a second: one line
 * rewritten in place on a terminal, a plain line otherwise. `done()` ends the line. `quiet`
 * (`run --quiet`): nothing at all.
 */
export function checkProgress(out: Output, o: { quiet?: boolean } = {}): CheckProgress & { done(): void } {
  if (o.quiet) return Object.assign((): void => undefined, { done: (): void => undefined });
  let next = 0;
  let shown = false;
  const show = (line: string): void => {
    if (Date.now() < next) return;
    next = Date.now() + 1000;
    shown = true;
    out.write(out.isTTY === true ? statusLine(line, out.columns) : `${line}\n`);
  };
  const f = (p: Parameters<CheckProgress>[0]): void =>
    show(
      p.phase === 'read'
        ? `check: read ${(p.bytes / 1e6).toFixed(0)} of ${(p.total / 1e6).toFixed(0)} MB of the history`
        : `check: ${p.model}: ${p.placed} of ${p.total} ok ops placed (${Math.floor((100 * p.placed) / Math.max(1, p.total))}%), ${p.partitions - p.partitionsLeft} of ${p.partitions} partitions decided`,
    );
  const done = (): void => {
    if (shown && out.isTTY === true) out.write('\n');
  };
  return Object.assign(f, { done });
}

export function checkStage(dir: string, meta: RunMeta, timeoutMs: number, signal?: AbortSignal, progress?: CheckProgress): RunResults {
  const onProgress = progress ? (bytes: number, total: number): void => progress({ phase: 'read', bytes, total }) : undefined;
  // history.jsonl, or the .gz retention left; neither: the plain name, for the error
  const { ops, faults, warnings } = loadOps(runDataFile(dir, 'history') ?? path.join(dir, RUN_FILES.history), 'native', onProgress ? { onProgress } : {});
  const plan = planRun(meta.campaign, meta.seed);
  const owners = workloadKeys(plan);
  const modelOf = (key: string | number | undefined): string | undefined => {
    const w = ownerOf(owners, key);
    return w === undefined ? undefined : workloadPackage(w).model;
  };
  const only = new Set<CheckName>(meta.campaign.checks ?? CHECK_NAMES);
  const inv = invariantChecks(plan, owners, ops, only.has('invariants'));
  const generic = inv.rest.length > 0 || inv.results.length === 0;
  const c0 = !generic ? { verdict: 'valid' as Verdict, results: [] as CheckerResult[] } : checkHistory(inv.rest, {
    format: 'native', timeoutMs, explain: true, only, modelOf,
    ...(signal ? { signal } : {}),
    ...(progress ? { onProgress: (model: string, p: SearchProgress) => progress({ phase: 'search', model, ...p }) } : {}),
  });
  const c = { results: [...inv.results, ...c0.results], verdict: worst([c0.verdict, ...inv.results.map((r) => r.verdict)]) };
  const tb = timeBase(ops, faults);
  const samples = readCounterSamples(runDataFile(dir, 'counters') ?? path.join(dir, RUN_FILES.counters));
  const counters = samples.length ? counterDeltas(samples, counterWindows(faults, tb)) : [];
  const checks = checksToRecords(c.results, { ops, faults, counters, policy: policyTraits(meta.campaign.policy) }, workloadPatterns());
  let verdict: Verdict = c.verdict;
  const notes = [...meta.notes];
  for (const w of warnings) if (!notes.includes(w)) notes.push(w); // a recheck carries the first check's notes
  // a broken testbed says nothing about the system under test
  if (meta.infrastructureFault) verdict = 'unknown';
  // a node whose kernel died or wedged did not run the schedule as planned: never call that valid
  const serious = meta.findings.filter((f) => SERIOUS_FINDINGS.has(f.kind));
  if (verdict === 'valid' && serious.length) {
    verdict = 'unknown';
    const note = `verdict unknown, not valid: ${serious.map((f) => `${f.kind} on ${f.node}`).join(', ')} (see findings)`;
    if (!notes.includes(note)) notes.push(note); // a recheck carries the first check's notes
  }
  // a node gone before the end did not run the schedule either
  if (verdict === 'valid' && meta.nodesLost?.length) {
    verdict = 'unknown';
    const note = `verdict unknown, not valid: node-lost (${meta.nodesLost.join(', ')})`;
    if (!notes.includes(note)) notes.push(note);
  }

  const confirmed = meta.faults.map((f) => ({ ...f, confirmation: confirmFault(f, counters) }));
  // a valid verdict certifies the faults it ran under: one that did not take effect certifies nothing
  const unconfirmed = confirmed.filter((f) => f.confirmation.status !== 'confirmed');
  if (verdict === 'valid' && meta.campaign.expect?.verdict === 'valid' && unconfirmed.length) {
    verdict = 'unknown';
    const note = `verdict unknown, not valid: ${unconfirmed.map((f) => `fault ${f.id} (${f.kind} on ${f.targets.join(', ')}) was not confirmed to take effect (${f.confirmation.status}: ${f.confirmation.evidence})`).join('; ')}`;
    if (!notes.includes(note)) notes.push(note);
  }
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
    faults: confirmed,
    counters,
    stats: workloadStats(ops, tb, (op) => ownerOf(owners, op.key) ?? 'other'),
    workloads: owners,
    clean: meta.clean,
    notes,
  };
  if (meta.infrastructureFault) results.infrastructureFault = meta.infrastructureFault;
  if (meta.campaign.shrunk) results.shrunk = meta.campaign.shrunk;
  if (meta.nodesLost?.length) results.nodesLost = meta.nodesLost;
  if (meta.incomplete !== undefined) {
    results.incomplete = true;
    results.incompleteReason = meta.incomplete;
  }
  const expect = meta.campaign.expect;
  if (expect) {
    const seen = new Set(checks.flatMap((k) => k.violations.map((v) => v.pattern).filter((p): p is string => !!p)));
    const label = (name: string): string | undefined => workloadPatterns().find((p) => p.name === name)?.label;
    const patternsOk = (expect.patterns ?? []).every((p) => seen.has(label(p) ?? p));
    results.expected = {
      ...(expect.verdict ? { verdict: expect.verdict } : {}),
      ...(expect.patterns ? { patterns: expect.patterns } : {}),
      matched: (expect.verdict === undefined || expect.verdict === verdict) && patternsOk,
    };
  }
  return results;
}

/** check a stored run and store its results.json (the run's last two stages; `recheck`) */
export function checkRunDir(dir: string, meta: RunMeta, timeoutMs: number, signal?: AbortSignal, progress?: CheckProgress): RunResults {
  const results = checkStage(dir, meta, timeoutMs, signal, progress);
  storeResults(dir, results);
  return results;
}

/**
 * checkStage on a worker thread, so a signal still ends the run while the search runs: on
 * abort the thread is stopped and the history is checked again with no search budget, which
 * says unknown (with a note) but keeps every other result. From sources (ts-jest), in-process.
 */
export async function checkInThread(dir: string, meta: RunMeta, timeoutMs: number, signal: AbortSignal, progress?: CheckProgress): Promise<RunResults> {
  const file = path.join(__dirname, 'check-worker.js');
  if (!__filename.endsWith('.js')) return checkStage(dir, meta, timeoutMs, signal, progress);
  const w = new Worker(file, { workerData: { dir, meta, timeoutMs, progress: progress !== undefined } });
  const interrupted = (): RunResults => {
    // a verdict decided with no budget is as good as any; unknown says to recheck
    return checkStage(dir, { ...meta, notes: [...meta.notes, `the check was interrupted (${reason(signal)}): rdma-chaos recheck ${dir} decides it`] }, 1);
  };
  if (signal.aborted) return interrupted();
  return new Promise<RunResults>((resolve, reject) => {
    const onAbort = (): void => {
      void w.terminate().finally(() => {
        try {
          resolve(interrupted());
        } catch (e: unknown) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    w.on('message', (m: { progress: Parameters<CheckProgress>[0] } | { results: RunResults }) => {
      if ('progress' in m) return progress?.(m.progress);
      signal.removeEventListener('abort', onAbort);
      void w.terminate();
      resolve(m.results);
    });
    // a bad history throws in the thread as it would in-process: the same error, here
    w.once('error', (e: Error) => {
      signal.removeEventListener('abort', onAbort);
      reject(e);
    });
  });
}

function reason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return r instanceof Error ? r.message : 'aborted';
}
