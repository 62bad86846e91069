// Known failure patterns as data: a workload package declares the patterns its violations can
// show (duplicate FADD after failover, queue sliding, ...), and the checking side classifies
// each violation with them. The types live here so both floors can name them.
import type { FaultWindow } from './faults';
import type { Operation } from './history';

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
}
