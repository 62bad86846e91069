// Linearizability: partition (P-compositionality), search each partition, explain a violation.
// Partitions are searched interleaved on one thread with growing slices, so one that fails
// fast is found fast, and the shared time budget turns into 'unknown', never 'valid'.
import type { Operation } from '../../core';
import type { AnyModel } from '../model';
import { describeOp } from '../model';
import type { CheckerResult, LinearizabilityExplanation, Violation } from '../types';
import { prepareEntries, type Entry } from './entries';
import { certify, mergeOrders, splitByFootprint } from './compose';
import { shrink } from './explain';
import { refutedEntry } from './refute';
import { WglSearch, type WglOutcome } from './wgl';

export interface LinearizabilityOptions {
  /** total time budget in ms */
  timeoutMs?: number;
  /** false: search the whole history as one state */
  partition?: boolean;
  /** shrink a violation to a minimal set (costs extra searches); default true */
  explain?: boolean;
  signal?: AbortSignal;
  /** the whole budget `timeoutMs` is the rest of, and what went before it: for the message only */
  budget?: { totalMs: number; spent: readonly { what: string; ms: number }[] };
  /** called about once a second while the search runs */
  onProgress?: (p: SearchProgress) => void;
}

/** how far the search is: ok ops placed on the current paths, of all, over every partition */
export interface SearchProgress {
  placed: number;
  total: number;
  steps: number;
  partitionsLeft: number;
  partitions: number;
}

/** between two progress reports */
const PROGRESS_MS = 1000;

interface Part {
  key: string;
  entries: Entry<unknown>[];
  search: WglSearch<unknown, unknown>;
  /** the linearization found, once the part is decided valid */
  order?: Entry<unknown>[];
}

export function checkLinearizability(model: AnyModel, ops: readonly Operation[], o: LinearizabilityOptions = {}): CheckerResult {
  const t0 = performance.now();
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  const late = (): boolean => Date.now() >= deadline || o.signal?.aborted === true;
  let total = 0;
  for (const op of ops) if (op.status === 'ok') total++;
  // out of time already (reading took it all): say so before any work
  if (late()) return outOfTime(model, o, t0, { placed: 0, total, left: 1, of: 1, stage: 'before the search began' });
  const groups = o.partition !== false && model.partition ? model.partition(ops) : [ops.slice()];
  const prepared = groups.map((g) => ({ key: g[0]?.key === undefined ? '' : String(g[0].key), entries: prepareEntries(model, g) }));
  let failed: { part: Pick<Part, 'key' | 'entries'>; outcome: Extract<WglOutcome<unknown>, { verdict: 'invalid' }> } | undefined;
  // an op the model refutes outright (a read of a value nobody wrote), or pins and real time
  // refute (refute.ts), needs no search, nor a search built
  for (const p of prepared) {
    const i = refutedEntry(model, p.entries);
    if (i === undefined) continue;
    failed = { part: p, outcome: { verdict: 'invalid', longest: [], state: model.init(), blocked: i } };
    break;
  }
  // building a search costs about a microsecond an entry: out of time already, say so now
  if (!failed && late()) return outOfTime(model, o, t0, { placed: 0, total, left: groups.length, of: groups.length, stage: 'while preparing the search' });
  let parts: Part[] = failed ? [] : prepared.map((p) => ({ ...p, search: new WglSearch(model, p.entries) }));
  // one whole state with footprints: search per footprint, then certify on the whole state
  const whole = parts.length === 1 && model.footprint && !model.partition ? parts[0]! : undefined;
  if (whole) {
    parts = splitByFootprint(model, whole.entries).map((entries) => ({ key: entries[0]?.op.key === undefined ? '' : String(entries[0].op.key), entries, search: new WglSearch(model, entries) }));
  }
  const budget = { deadline, cancelled: () => o.signal?.aborted === true };
  let live = parts.slice();
  let slice = 64;
  let nextReport = Date.now() + PROGRESS_MS;
  const report = (): void => {
    if (!o.onProgress || Date.now() < nextReport) return;
    nextReport = Date.now() + PROGRESS_MS;
    let placed = 0;
    let total = 0;
    let steps = 0;
    for (const p of parts) {
      const g = p.search.progress;
      placed += g.placed;
      total += g.total;
      steps += p.search.steps;
    }
    o.onProgress({ placed, total, steps, partitionsLeft: live.length, partitions: parts.length });
  };
  const searchAll = (): void => {
    while (live.length > 0 && !failed) {
      if (Date.now() > budget.deadline || budget.cancelled()) break;
      report();
      const still: Part[] = [];
      for (const p of live) {
        const r = p.search.run(slice);
        if (!r) still.push(p);
        else if (r.verdict === 'valid') p.order = r.linearization.map((i) => p.entries[i]!);
        else {
          failed = { part: p, outcome: r };
          break;
        }
      }
      live = still;
      slice = Math.min(slice * 2, 1 << 15);
    }
  };
  searchAll();
  let certified = '';
  if (whole && !failed && live.length === 0) {
    const order = mergeOrders(parts.map((p) => p.order!));
    if (order && certify(model, whole.entries, order)) certified = `; per-key orders merged into one order of the whole state and replayed through it`;
    else {
      // cannot happen for a model true to its footprints; the whole-state search decides then
      parts = [whole];
      live = [whole];
      slice = 64;
      searchAll();
    }
  }
  const name = `linearizable (${model.name})`;
  if (failed) {
    const ms = performance.now() - t0;
    // shrinking gets a share of the budget, and never runs past it by more than a second
    const shrinkMs = Math.min(Math.max(500, Math.min(10_000, (o.timeoutMs ?? 60_000) / 5)), deadline + 1000 - Date.now());
    const explanation = explain(model, failed.part, failed.outcome, o.explain === false ? 0 : Math.max(0, shrinkMs));
    const blocked = failed.part.entries[failed.outcome.blocked]!.op;
    const v: Violation = {
      kind: 'nonlinearizable',
      message: `${describeOp(blocked)} (line ${blocked.callLine ?? '?'}) cannot be linearized${failed.part.key ? ` on key ${failed.part.key}` : ''}: ${
        o.explain === false ? `no order of the partition's ${explanation.minimal.length} operations` : `no order of the ${explanation.minimal.length} operations involved`
      } is legal for the ${model.name} model.`,
      ops: explanation.minimal,
      explanation,
    };
    return { checker: name, verdict: 'invalid', ms, summary: v.message, violations: [v] };
  }
  const ms = performance.now() - t0;
  if (live.length > 0) {
    const placed = parts.reduce((n, p) => n + p.search.progress.placed, 0);
    return outOfTime(model, o, t0, { placed, total: parts.reduce((n, p) => n + p.search.progress.total, 0), left: live.length, of: parts.length, stage: 'searching' });
  }
  return { checker: name, verdict: 'valid', ms, summary: certified ? `${ops.length} operations are linearizable (searched per key: ${parts.length} keys${certified})` : `${ops.length} operations in ${parts.length} partition(s) are linearizable`, violations: [] };
}

/** where an out-of-time search stood: ok ops placed on the current paths, partitions left */
interface Standing {
  placed: number;
  total: number;
  left: number;
  of: number;
  stage: string;
}

/**
 * The budget named honestly: this check's own share, and, when the caller says so, the whole
 * budget and what went before (reading, other checkers).
 */
function outOfTime(model: AnyModel, o: LinearizabilityOptions, t0: number, at: Standing): CheckerResult {
  const ms = performance.now() - t0;
  const s = (x: number): string => `${(x / 1000).toFixed(1)} s`;
  const where = `${at.stage}, after placing ${at.placed} of ${at.total} ok ops${at.of > 1 ? `, ${at.left} of ${at.of} partitions undecided` : ''}`;
  let why: string;
  if (o.signal?.aborted === true) why = `cancelled ${where}`;
  else if (o.budget) {
    const before = o.budget.spent.filter((x) => x.ms >= 1).map((x) => `${s(x.ms)} ${x.what}`);
    why = `time budget of ${s(o.budget.totalMs)} exhausted (${[...before, `${s(ms)} linearizability`].join(', ')}) ${where}`;
  } else why = `time budget of ${s(o.timeoutMs ?? 60_000)} exhausted ${where}`;
  return { checker: `linearizable (${model.name})`, verdict: 'unknown', ms, summary: why, violations: [] };
}

function explain(model: AnyModel, part: Pick<Part, 'key' | 'entries'>, out: Extract<WglOutcome<unknown>, { verdict: 'invalid' }>, budgetMs: number): LinearizabilityExplanation {
  const ids = (xs: readonly number[]): number[] => xs.map((i) => part.entries[i]!.op.id);
  const blockedOp = part.entries[out.blocked]!.op;
  const core = budgetMs > 0 ? shrink(model, part.entries.map((e) => e.op), blockedOp, Date.now() + budgetMs) : undefined;
  return {
    partition: part.key,
    model: model.name,
    blocked: blockedOp.id,
    minimal: core ? core.ops.map((op) => op.id) : ids(part.entries.map((_, i) => i)),
    minimalComplete: core?.complete ?? false,
    longestPrefix: ids(out.longest),
    stateAfterPrefix: model.describeState(out.state),
  };
}
