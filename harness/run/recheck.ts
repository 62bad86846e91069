// Checking a stored run again, and interrupted runs for the first time. A run directory with no
// results.json was interrupted (its controller was SIGKILLed, or the machine rebooted): what
// its history holds is checked, ops still open are indeterminate (`info`, as the Pairer leaves
// them), faults that started and never stopped are listed as such, and the results say
// `incomplete`. `markInterrupted` is that, for the directories `findInterruptedRuns` lists.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ChaosError,
  findInterruptedRuns,
  forEachJsonlEventInFile,
  InputError,
  OWNER_FILE,
  ownerState,
  Pairer,
  readRunOwner,
  RUN_FILES,
  runDataFile,
  RunResults,
  type FaultRecord,
  type Phase,
} from '../core';
import { checkRunDir, type RunMeta } from './check';
import { planStage } from './plan';

export const INTERRUPTED = 'the run was interrupted (no results.json): ops still open at the end are indeterminate';

export interface RecheckOptions {
  /** linearizability budget (default 120 s) */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** the note the check leaves (default "rechecked <now>") */
  note?: string;
}

/**
 * Checks RUN_DIR again and stores its results.json. Without one, the run was interrupted: it
 * is checked for the first time and marked incomplete. A run whose owner is still alive is
 * refused: it is in progress, and its results are its own to write.
 */
export function recheckRun(dir: string, o: RecheckOptions = {}): RunResults {
  // retention may have gzipped it: the .gz reads the same
  let hist = runDataFile(dir, 'history');
  const hasResults = fs.existsSync(path.join(dir, RUN_FILES.results));
  // an unreadable results.json (an older schema) is checked again, as before, but not as interrupted
  const prev = hasResults ? readPrevious(dir) : undefined;
  const owner = hasResults ? undefined : readRunOwner(dir);
  if (owner && ownerState(owner) === 'live') {
    throw new InputError('run.inProgress', `${dir}: the run is still in progress (pid ${owner.pid} since ${owner.startedAt}, ${path.join(dir, OWNER_FILE)}); recheck it once it ends`);
  }
  if (hist === undefined) {
    // an owned directory whose controller died before it recorded anything: nothing to lose
    if (hasResults || !fs.existsSync(path.join(dir, OWNER_FILE))) throw new InputError('run.notARun', `${dir}: not a run directory (no ${RUN_FILES.history})`);
    hist = path.join(dir, RUN_FILES.history);
    fs.writeFileSync(hist, '');
  }
  const { campaign, seed } = planStage({ replay: dir });
  const note = o.note ?? `rechecked ${new Date().toISOString()}`;
  const interrupted = !hasResults || prev?.incomplete === true;
  // without a previous results.json, the history tells which faults started and stopped, and
  // how long the run lasted
  const h = prev ? undefined : fromHistory(hist);
  const st = fs.statSync(hist);
  const faults = prev?.faults ?? h!.faults;
  const meta: RunMeta = {
    campaign,
    seed,
    startedAt: prev?.startedAt ?? owner?.startedAt ?? new Date(st.birthtimeMs || st.mtimeMs).toISOString(),
    endedAt: prev?.endedAt ?? new Date(st.mtimeMs).toISOString(),
    durationMs: prev?.durationMs ?? h!.durationMs,
    cluster: prev?.cluster ?? { driver: campaign.cluster.driver, nodes: h!.nodes, rails: campaign.cluster.rails },
    faults,
    findings: prev?.findings ?? [],
    clean: prev?.clean ?? faults.every((f) => f.phase === 'NotInjected'),
    notes: [...(prev?.notes ?? (interrupted ? [INTERRUPTED] : [])), note],
    ...(prev?.infrastructureFault ? { infrastructureFault: prev.infrastructureFault } : {}),
    ...(prev?.nodesLost ? { nodesLost: prev.nodesLost } : {}),
    ...(interrupted ? { incomplete: prev?.incompleteReason ?? INTERRUPTED } : {}),
  };
  return checkRunDir(dir, meta, o.timeoutMs ?? 120_000, o.signal);
}

/** Checks and marks one interrupted run (a directory `findInterruptedRuns` listed). */
export function markInterrupted(dir: string, o: RecheckOptions = {}): RunResults {
  if (fs.existsSync(path.join(dir, RUN_FILES.results))) throw new InputError('run.notInterrupted', `${dir}: has its ${RUN_FILES.results}: the run was not interrupted`);
  return recheckRun(dir, { ...o, note: o.note ?? `checked after the interruption, ${new Date().toISOString()}` });
}

export interface MarkedRun {
  dir: string;
  results?: RunResults;
  /** one line: why it could not be checked (it stays listed for the next time) */
  error?: string;
}

/**
 * Every interrupted run under STORE, checked and marked incomplete; for `run` at start-up, so
 * the run after a killed one reports it. One broken directory never stops the others or the
 * caller: its error is returned (and logged), and an internal error is rethrown.
 */
export function markInterruptedRuns(store: string, o: RecheckOptions & { log?: (line: string) => void } = {}): MarkedRun[] {
  const out: MarkedRun[] = [];
  for (const dir of findInterruptedRuns(store)) {
    if (o.signal?.aborted) break;
    try {
      const results = markInterrupted(dir, o);
      o.log?.(`${dir}: interrupted run checked: ${results.verdict}, marked incomplete`);
      out.push({ dir, results });
    } catch (e: unknown) {
      if (!(e instanceof ChaosError)) throw e;
      o.log?.(`${dir}: interrupted run not checked: ${e.message}`);
      out.push({ dir, error: e.message });
    }
  }
  return out;
}

function readPrevious(dir: string): RunResults | undefined {
  const f = path.join(dir, RUN_FILES.results);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch {
    return undefined;
  }
  const r = RunResults.safeParse(raw);
  return r.success ? r.data : undefined;
}

/**
 * Faults, duration and nodes from the history, in one pass. A fault whose start completed and
 * whose stop never did may still be in place (Injected); one whose start or stop was asked for
 * but never answered is in an unknown state (Unknown). Neither is clean.
 */
function fromHistory(file: string): { faults: FaultRecord[]; durationMs: number; nodes: string[] } {
  const pairer = new Pairer(file);
  const asked = new Map<string, { record: FaultRecord; started: boolean; stopping: boolean; stopped: boolean }>();
  forEachJsonlEventInFile(file, (e, line) => {
    pairer.push(e, line);
    if (e.process !== 'nemesis' || !e.fault) return;
    const id = e.fault.id;
    let a = asked.get(id);
    if (!a) {
      // a copy: the reader reuses its event object from line to line
      const f = JSON.parse(JSON.stringify(e.fault)) as NonNullable<typeof e.fault>;
      const record: FaultRecord = { id, kind: f.kind, targets: f.targets ?? [], params: f.params ?? {}, phase: 'Unknown' };
      asked.set(id, (a = { record, started: false, stopping: false, stopped: false }));
    }
    if (e.f === 'start' && e.type !== 'invoke') {
      a.started = true;
      if (e.time !== undefined) a.record.start = e.time;
    } else if (e.f === 'stop') {
      if (e.type === 'invoke') a.stopping = true;
      else {
        a.stopped = true;
        if (e.time !== undefined) a.record.stop = e.time;
      }
    }
  }, { transient: true });
  const { ops } = pairer.finish();
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const op of ops) {
    if (op.callTime !== undefined) t0 = Math.min(t0, op.callTime);
    const end = op.retTime ?? op.callTime;
    if (end !== undefined) t1 = Math.max(t1, end);
  }
  const phase = (a: { started: boolean; stopping: boolean; stopped: boolean }): Phase =>
    a.stopped ? 'NotInjected' : a.started && !a.stopping ? 'Injected' : 'Unknown';
  return {
    durationMs: Number.isFinite(t0) && t1 >= t0 ? Math.round((t1 - t0) / 1e6) : 0,
    nodes: [...new Set(ops.map((op) => op.node).filter((n): n is string => !!n))].sort(),
    faults: [...asked.values()].map((a) => ({ ...a.record, phase: phase(a) })),
  };
}
