// What every checker returns (Jepsen's shape: a verdict plus what supports it). Reports and
// the CLI read only these types.
import type { CacheTreeViolation, Operation } from '../core';

export type Verdict = 'valid' | 'invalid' | 'unknown';

export type ViolationKind =
  | 'nonlinearizable'
  | 'duplicate'
  | 'lost'
  | 'phantom'
  | 'stream-duplicate'
  | 'stream-gap'
  | 'stream-misaligned'
  | 'invariant';

export interface LinearizabilityExplanation {
  /** the partition (key or address) the violation is in */
  partition: string;
  model: string;
  /** the ok op whose return could not be reached */
  blocked: number;
  /** ids of a small set of ops that cannot be linearized whatever every other op did */
  minimal: number[];
  /** false when shrinking ran out of budget: `minimal` is then a superset of a minimal core */
  minimalComplete: boolean;
  /** ids of the longest linearizable prefix found, in linearization order */
  longestPrefix: number[];
  /** the model state after that prefix */
  stateAfterPrefix: string;
}

export interface Violation {
  kind: ViolationKind;
  /** one plain-English sentence for a report's summary */
  message: string;
  /** ids of the operations involved (indices into OpHistory.ops) */
  ops: number[];
  explanation?: LinearizabilityExplanation;
}

export interface CheckerResult {
  checker: string;
  verdict: Verdict;
  /** checking time in ms, parsing excluded */
  ms: number;
  /** why the verdict is unknown, or a one-line summary */
  summary: string;
  violations: Violation[];
  /**
   * Set when the checker does not apply to this history (why, in one line). Its verdict is
   * then 'unknown' and says nothing: the overall verdict is left to the checkers that apply.
   */
  skipped?: string;
  /** a reconfigurable log's cache tree as checked (the report draws it from the history's caches) */
  cacheTree?: { initial: string[]; violations: CacheTreeViolation[] };
}

export function worst(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('invalid')) return 'invalid';
  if (verdicts.includes('unknown')) return 'unknown';
  return 'valid';
}

/** the worst verdict of the checkers that applied; unknown if none did */
export function overall(results: readonly CheckerResult[]): Verdict {
  const applied = results.filter((r) => r.skipped === undefined);
  return applied.length === 0 ? 'unknown' : worst(applied.map((r) => r.verdict));
}

export function opLabel(op: Operation): string {
  const where = op.callLine !== undefined ? ` (line ${op.callLine})` : '';
  const node = op.node ? `${op.node}/` : '';
  return `${node}p${op.process} ${op.f}${op.key !== undefined ? `[${String(op.key)}]` : ''}${op.value !== undefined ? ' ' + JSON.stringify(op.value) : ''}${where}`;
}
