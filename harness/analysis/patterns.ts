// Which known failure pattern a violation matches. The patterns are data that the workload
// packages declare (workloads/<name>/patterns.ts); this applies them in order, the first with
// a verdict wins, and a violation no pattern takes gets a plain explanation of its kind.
import type { PatternContext, PatternDef, PatternMatch, RunResults, ViolationShape } from '../core';
import type { CheckerResult } from '../checkers';

export type CheckRecord = RunResults['checks'][number];

const NO_PATTERN: Record<string, string> = {
  lost: 'An acknowledged operation vanished: this is not one of the failover duplication patterns.',
  phantom: 'A value appeared that no operation produced.',
  'stream-gap': 'Acknowledged messages were never delivered.',
};

export function classifyViolation(v: ViolationShape, ctx: PatternContext, patterns: readonly PatternDef[]): PatternMatch {
  return classifyWith(v, ctx, patterns).match;
}

function classifyWith(v: ViolationShape, ctx: PatternContext, patterns: readonly PatternDef[]): { match: PatternMatch; def?: PatternDef } {
  for (const def of patterns) {
    const match = def.classify(v, ctx);
    if (match) return { match, def };
  }
  return { match: { confidence: 'none', because: NO_PATTERN[v.kind] ?? 'No known failure pattern matches.' } };
}

/** Checker results as stored in results.json, each violation with its pattern and the evidence. */
export function checksToRecords(results: readonly CheckerResult[], ctx: PatternContext, patterns: readonly PatternDef[]): CheckRecord[] {
  return results.map((r) => ({
    checker: r.checker,
    verdict: r.verdict,
    ms: Math.round(r.ms * 1000) / 1000,
    summary: r.summary,
    violations: r.violations.map((v) => {
      const rec: CheckRecord['violations'][number] = { kind: v.kind, message: v.message, ops: v.ops };
      if (v.explanation) rec.explanation = v.explanation;
      const { match: m, def } = classifyWith(v, ctx, patterns);
      // only a sure match names the violation, and only a named one is explained by its result;
      // the report shows the rest of the evidence
      if (m.pattern && m.confidence === 'match') {
        rec.pattern = m.pattern;
        if (def?.explain) rec.explained = def.explain(v, ctx);
      }
      rec.match = m;
      return rec;
    }),
    ...(r.cacheTree ? { cacheTree: r.cacheTree } : {}),
  }));
}
