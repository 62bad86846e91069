// The summary of one run: what `report --json` prints and what the nightly index caches per run.
import type { RunResults } from '../harness/core';
import { uncleanReasons } from './html';

export interface RunSummary {
  campaign: string;
  seed: number | string;
  startedAt: string;
  durationMs: number;
  verdict: RunResults['verdict'];
  clean: boolean;
  notClean: string[];
  infrastructureFault?: string;
  /** the run was interrupted: why */
  incomplete?: string;
  /** nodes lost during the run and not restarted (ssh driver) */
  nodesLost?: string[];
  expectedMatched?: boolean;
  findings: { kind: string; node: string; message: string }[];
  checks: { checker: string; verdict: string; summary: string; violations: { kind: string; message: string; pattern?: string; ops: number[] }[] }[];
  violations: number;
  /** all workloads together */
  opsPerSec: number;
  ops: number;
  patterns: string[];
  /** faults whose evidence does not show they took effect (mismatch, inconclusive) */
  unconfirmed?: { id: string; kind: string; status: string; evidence: string }[];
}

export function summarize(r: RunResults): RunSummary {
  const s: RunSummary = {
    campaign: r.campaign,
    seed: r.seed,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    verdict: r.verdict,
    clean: r.clean && r.faults.every((f) => f.phase === 'NotInjected'),
    notClean: uncleanReasons(r),
    findings: r.findings.map((f) => ({ kind: f.kind, node: f.node, message: f.message })),
    checks: r.checks.map((c) => ({
      checker: c.checker,
      verdict: c.verdict,
      summary: c.summary,
      violations: c.violations.map((v) => ({ kind: v.kind, message: v.message, ...(v.pattern ? { pattern: v.pattern } : {}), ops: v.ops.slice(0, 50) })),
    })),
    violations: r.checks.reduce((n, c) => n + c.violations.length, 0),
    opsPerSec: Math.round(r.stats.reduce((n, w) => n + w.opsPerSec, 0) * 10) / 10,
    ops: r.stats.reduce((n, w) => n + w.ops, 0),
    patterns: [...new Set(r.checks.flatMap((c) => c.violations.flatMap((v) => (v.pattern ? [v.pattern] : []))))],
  };
  const unconfirmed = r.faults.flatMap((f) => (f.confirmation && f.confirmation.status !== 'confirmed' ? [{ id: f.id, kind: f.kind, ...f.confirmation }] : []));
  if (unconfirmed.length) s.unconfirmed = unconfirmed;
  if (r.infrastructureFault) s.infrastructureFault = r.infrastructureFault.reason;
  if (r.incomplete) s.incomplete = r.incompleteReason ?? 'the run did not end';
  if (r.nodesLost?.length) s.nodesLost = r.nodesLost;
  if (r.expected) s.expectedMatched = r.expected.matched;
  return s;
}
