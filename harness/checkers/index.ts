// Checker composition (Jepsen's checker/compose): at-most-once first (linear time), the stream
// order check where there are SEND/RECV ops, then the linearizability search per workload.
import type { CheckName, HistoryFormat, Operation } from '../core';
import { checkAtMostOnce } from './at-most-once';
import { checkLinearizability, type SearchProgress } from './linearizability';
import { defaultModelName, getModel } from './models';
import { checkStreams } from './stream';
import type { CheckerResult, Verdict } from './types';
import { overall } from './types';

export { checkAtMostOnce } from './at-most-once';
export { buildCacheTree, checkCacheTree, pathUp, type CacheTree } from './cache-tree';
export { verdictExit } from './exit';
export { checkLinearizability, type SearchProgress } from './linearizability';
export type { AnyModel, Model } from './model';
export { BadValueError, MODEL_NAMES, defaultModelName, getModel } from './models';
export { checkStreams } from './stream';
export * from './types';

export interface CheckOptions {
  format: HistoryFormat;
  /** one model for every op; default: chosen per workload from the ops on each key */
  model?: string;
  timeoutMs?: number;
  partition?: boolean;
  explain?: boolean;
  signal?: AbortSignal;
  /** run only these checks (a campaign's `checks`); default: every one that applies */
  only?: ReadonlySet<CheckName>;
  /** the model a key's workload declares; keys it does not know get the one their ops call for */
  modelOf?: (key: string | number | undefined) => string | undefined;
  /** the whole budget `timeoutMs` is what is left of, and what went before (reading): for messages */
  budget?: { totalMs: number; spent: readonly { what: string; ms: number }[] };
  /** how far the linearizability search is, about once a second, per model */
  onProgress?: (model: string, p: SearchProgress) => void;
}

export interface HistoryCheck {
  verdict: Verdict;
  /** checking time, parsing excluded */
  ms: number;
  results: CheckerResult[];
  /** the model name(s) the linearizability search used */
  models: string[];
}

export function checkHistory(ops: readonly Operation[], o: CheckOptions): HistoryCheck {
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  const results: CheckerResult[] = [];
  if (ops.length === 0) {
    // nothing was observed, so nothing is certified (Jepsen's etcd test 95 never started)
    results.push({ checker: 'history', verdict: 'unknown', ms: 0, summary: 'the history has no operations: nothing to check', violations: [] });
    return { verdict: 'unknown', ms: 0, results, models: [] };
  }
  // out of time already (reading took it all): no checker starts, and the message says where it went
  if ((o.timeoutMs ?? 60_000) <= 0) {
    const before = (o.budget?.spent ?? []).map((x) => `${(x.ms / 1000).toFixed(1)} s ${x.what}`).join(', ');
    const of = o.budget ? `${(o.budget.totalMs / 1000).toFixed(1)} s` : `${o.timeoutMs ?? 0} ms`;
    results.push({ checker: 'history', verdict: 'unknown', ms: 0, summary: `time budget of ${of} exhausted${before ? ` (${before})` : ''} before any checker ran`, violations: [] });
    return { verdict: 'unknown', ms: 0, results, models: [] };
  }
  const native = o.format === 'native';
  const wants = (c: CheckName): boolean => !o.only || o.only.has(c);
  if (wants('at-most-once') && native && ops.some((op) => op.f === 'fadd' || op.f === 'cas' || op.f === 'write' || op.f === 'send')) {
    results.push(checkAtMostOnce(ops));
  }
  if (wants('stream') && ops.some((op) => op.f === 'send' || op.f === 'recv')) results.push(checkStreams(ops));
  const totalMs = o.budget?.totalMs ?? o.timeoutMs ?? 60_000;
  const spent = [...(o.budget?.spent ?? []), ...results.map((r) => ({ what: r.checker, ms: r.ms }))];

  const groups = !wants('linearizability') ? new Map<string, Operation[]>() : o.model ? new Map([[o.model, ops.slice()]]) : groupByWorkload(o.format, ops, o.modelOf);
  let left = groups.size;
  for (const [name, group] of groups) {
    const model = getModel(name, { partition: o.partition !== false });
    // each model its share of what is left: one that gives up does not leave the next none
    const opts: Parameters<typeof checkLinearizability>[2] = { timeoutMs: Math.max(1, (deadline - Date.now()) / left--), partition: o.partition !== false };
    if (o.explain !== undefined) opts.explain = o.explain;
    if (o.signal) opts.signal = o.signal;
    if (o.onProgress) opts.onProgress = (p) => o.onProgress!(name, p);
    opts.budget = { totalMs, spent: spent.slice() };
    const r = checkLinearizability(model, group, opts);
    results.push(r);
    spent.push({ what: r.checker, ms: r.ms });
  }
  // checking time only: shrinking a violation for its explanation is not counted
  return { verdict: overall(results), ms: results.reduce((s, r) => s + r.ms, 0), results, models: [...groups.keys()] };
}

/** ops grouped by the model their key's workload calls for (a key holds one workload) */
function groupByWorkload(format: HistoryFormat, ops: readonly Operation[], modelOf?: CheckOptions['modelOf']): Map<string, Operation[]> {
  if (format !== 'native') return new Map([[defaultModelName(format, ops), ops.slice()]]);
  const byKey = new Map<string, Operation[]>();
  for (const op of ops) {
    const k = op.key === undefined ? '' : String(op.key);
    let l = byKey.get(k);
    if (!l) byKey.set(k, (l = []));
    l.push(op);
  }
  const groups = new Map<string, Operation[]>();
  for (const list of byKey.values()) {
    const name = modelOf?.(list[0]!.key) ?? defaultModelName(format, list);
    let g = groups.get(name);
    if (!g) groups.set(name, (g = []));
    for (const op of list) g.push(op);
  }
  return groups;
}
