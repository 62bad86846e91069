// Known failure patterns as data: a workload package declares the patterns its violations can
// show (duplicate FADD after failover, queue sliding, ...), and the checking side classifies
// each violation with them. The types live here so both floors can name them.
import type { FaultWindow } from './faults';
import type { Operation } from './history';
import type { CounterDelta, Explained } from './store';

export type Confidence = 'match' | 'possible' | 'none';

export interface PatternMatch {
  /** the pattern's label; undefined: no known pattern */
  pattern?: string;
  /** 'match': the evidence (re-post, epoch change, failover window) is there; 'possible': the shape only */
  confidence: Confidence;
  /** plain-English evidence, one sentence */
  because: string;
}

export interface PatternContext {
  ops: readonly Operation[];
  faults: readonly FaultWindow[];
  /** rxe counter deltas per fault window, when the run sampled them */
  counters?: readonly CounterDelta[];
  /** the campaign's failover policy, when known (imported histories have none) */
  policy?: PolicyTraits;
}

/** what a pattern may know of the policy under test, without naming one */
export interface PolicyTraits {
  name: string;
  /** it decides whether to replay by READing the target (its looksApplied) */
  verifiesByRead: boolean;
}

/** the impossibility result a pattern instantiates, as data beside the pattern */
export interface Theory {
  /** its name, e.g. 'FADD non-idempotency' */
  result: string;
  statement: string;
  /** one sentence: why no transparent failover can avoid it, and what would */
  unavoidable: string;
}

/** what a classifier sees of a violation (a checker's, or one read back from results.json) */
export interface ViolationShape {
  kind: string;
  ops: readonly number[];
  explanation?: { model: string } | undefined;
}

export interface PatternDef {
  /** the name a campaign's `expect.patterns` uses */
  readonly name: string;
  /** the label results.json and the report carry */
  readonly label: string;
  /** a verdict on this violation, or undefined when it does not have this pattern's shape */
  classify(v: ViolationShape, ctx: PatternContext): PatternMatch | undefined;
  /** for a sure match: the result it instantiates, what the sender saw and what executed */
  explain?(v: ViolationShape, ctx: PatternContext): Explained;
}
