// A night of `rdma-chaos nightly`: what the suite planned, what each campaign run gave, and
// where its run directory is. Written after every step (atomically), so a killed controller's
// `--resume` knows where the night stopped, and the morning index reads nights from it.
import { z } from 'zod';
import { Verdict } from './results';

/** the nights of a store: STORE/nights/<suite>/<night>/night.json */
export const NIGHTS_DIR = 'nights';
export const NIGHT_FILES = {
  night: 'night.json',
  junit: 'junit.xml',
  summary: 'summary.json',
  log: 'nightly.log',
} as const;

/**
 * How one campaign run of the night ended, from the morning's point of view:
 * - met: the verdict met the campaign's expectation (an expected violation found counts);
 * - not-met: it did not (the finding, or the regression, an ops team reads first);
 * - unknown: the checker gave up, or the run was interrupted (incomplete);
 * - infra: the testbed broke (infrastructure fault, node lost);
 * - crashed: the harness itself failed (internal error, bad exit), the suite went on;
 * - timed-out: the run overran its time and was stopped;
 * - skipped: not run: the suite's budget ran out before it, or its faults need what the
 *   cluster's driver cannot do (a crash over ssh).
 */
export const NightOutcome = z.enum(['met', 'not-met', 'unknown', 'infra', 'crashed', 'timed-out', 'skipped']);
export type NightOutcome = z.infer<typeof NightOutcome>;

export const NightRun = z.object({
  /** unique within the night: "<index>-<campaign>-r<repetition>" */
  id: z.string(),
  campaign: z.string(),
  /** the campaign file, absolute */
  file: z.string(),
  repetition: z.number().int().positive(),
  repetitions: z.number().int().positive(),
  seed: z.number().int(),
  status: z.enum(['pending', 'running', 'done']),
  outcome: NightOutcome.optional(),
  verdict: Verdict.optional(),
  expected: z.object({ verdict: Verdict.optional(), patterns: z.array(z.string()).optional(), matched: z.boolean() }).optional(),
  /** the run directory, relative to the store */
  dir: z.string().optional(),
  exitCode: z.number().int().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  durationMs: z.number().optional(),
  /** the run was interrupted (controller killed) and checked afterwards */
  incomplete: z.literal(true).optional(),
  /** health findings (kernel panics, hung tasks) of the run */
  findings: z.array(z.string()).optional(),
  /** one line: why it crashed, timed out, or what broke */
  message: z.string().optional(),
  /** the run's process while it runs (pid and /proc start time), so --resume can wait it out */
  pid: z.object({ pid: z.number().int(), starttime: z.number() }).optional(),
  /** seconds of the run spent getting the cluster, in the workload, and checking */
  phases: z.object({ clusterMs: z.number(), workloadMs: z.number(), checkMs: z.number() }).partial().optional(),
});
export type NightRun = z.infer<typeof NightRun>;

export const Night = z.object({
  schema: z.literal(1),
  suite: z.string(),
  suiteFile: z.string(),
  /** the night's id: its start time, file-name safe */
  night: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  cluster: z.string(),
  budgetMs: z.number(),
  /** times the controller was started on this night (1, plus one per --resume) */
  starts: z.number().int().positive(),
  runs: z.array(NightRun),
  /** the suite's exit code, set when the night ended */
  exitCode: z.number().int().optional(),
  /** the night booted the local cluster, so it takes it down at its end */
  clusterBooted: z.boolean().optional(),
  /** time to bring the cluster up at the night's start (and at each resume) */
  clusterBootMs: z.number().optional(),
});
export type Night = z.infer<typeof Night>;

/** the suite's exit code: 1 when any run missed its expectation, else 2 when any was not decided, else 0 */
export function nightExit(runs: readonly Pick<NightRun, 'outcome'>[]): 0 | 1 | 2 {
  if (runs.some((r) => r.outcome === 'not-met')) return 1;
  if (runs.some((r) => r.outcome !== 'met')) return 2;
  return 0;
}
