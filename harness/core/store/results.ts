// The run store: one directory per run, `store/<campaign>/<timestamp>/`, holding
//   campaign.yaml    the campaign as run, resolved with its seed
//   history.jsonl    every event, appended and flushed as it arrives
//   results.json     this schema: verdicts, violations, findings, faults, stats
//   controller.log   the controller's log; agents/<node>.log, consoles/<node>.log
//   counters.jsonl   rxe hardware counter samples (RunCounterSample per line)
//   owner.json       who runs it (pid, start time, host) until results.json is written (owner.ts)
// An old run's history, counters and logs may be gzipped by retention (retention.ts):
// history.jsonl.gz, counters.jsonl.gz, *.log.gz. Readers take either (runDataFile).
// Reports read only these files and never contact the cluster.
import { z } from 'zod';
import { Confirmation, FaultObservation, FaultSpec, PHASES } from '../faults';

export const Verdict = z.enum(['valid', 'invalid', 'unknown']);

export const ViolationKind = z.enum([
  'nonlinearizable', 'duplicate', 'lost', 'phantom', 'stream-duplicate', 'stream-gap', 'stream-misaligned',
  // a protocol workload's own invariant (Disk Paxos's Consistent, Paxos's I2), named in the message
  'invariant',
]);

export const Explanation = z.object({
  partition: z.string(),
  model: z.string(),
  blocked: z.number().int(),
  minimal: z.array(z.number().int()),
  minimalComplete: z.boolean(),
  longestPrefix: z.array(z.number().int()),
  stateAfterPrefix: z.string(),
});

/** why a violation happened, by the impossibility result it instantiates (from its pattern's data) */
export const Explained = z.object({
  /** the result's name, e.g. 'FADD non-idempotency' */
  result: z.string(),
  /** the result in one or two sentences */
  statement: z.string(),
  /** what the sender observed: sent, timeout or error, re-posted on which rail */
  sender: z.array(z.string()),
  /** what executed: the responder's memory, the final values, the rxe counters */
  executed: z.array(z.string()),
  /** why no transparent failover can avoid it, and what would */
  unavoidable: z.string(),
});
export type Explained = z.infer<typeof Explained>;

export const ViolationRecord = z.object({
  kind: ViolationKind,
  message: z.string(),
  /** op ids: indices of operations in pairing order of history.jsonl */
  ops: z.array(z.number().int()),
  explanation: Explanation.optional(),
  /** the known failure pattern this matches, e.g. 'duplicate FADD after failover' */
  pattern: z.string().optional(),
  /** the classifier's view: the pattern it saw (also a possible one), how sure, and why */
  match: z.object({ pattern: z.string().optional(), confidence: z.enum(['match', 'possible', 'none']), because: z.string() }).optional(),
  /** for a sure pattern match: the result it instantiates, the sender's view and what executed */
  explained: Explained.optional(),
});

/** a reconfigurable log's cache tree, as checked: the caches are the history's cache events */
export const CacheTreeRecord = z.object({
  initial: z.array(z.string()),
  violations: z.array(
    z.object({
      rule: z.enum(['fork', 'quorum', 'R1+', 'R2', 'R3', 'shape']),
      message: z.string(),
      caches: z.array(z.string()),
      branches: z.array(z.object({ leader: z.string(), time: z.number(), config: z.array(z.string()), supporters: z.array(z.string()), path: z.array(z.string()), commit: z.string() })).optional(),
    }),
  ),
});

export const CheckRecord = z.object({
  checker: z.string(),
  verdict: Verdict,
  ms: z.number(),
  summary: z.string(),
  violations: z.array(ViolationRecord),
  cacheTree: CacheTreeRecord.optional(),
});

/** Something wrong that is not the system under test's fault: a kernel oops, a frozen fabric. */
export const Finding = z.object({
  kind: z.enum(['kernel-panic', 'kernel-oops', 'kernel-bug', 'kernel-warning', 'hung-task', 'rcu-stall', 'soft-lockup', 'rxe', 'fabric-frozen', 'node-unreachable']),
  node: z.string(),
  /** monotonic ns in the history's clock domain, when known */
  time: z.number().optional(),
  wallTime: z.string().optional(),
  message: z.string(),
  excerpt: z.string(),
  /** fault ids active at that moment */
  activeFaults: z.array(z.string()),
});

/** Findings that mean a node's kernel died or wedged during the run: a valid verdict becomes unknown. */
export const SERIOUS_FINDINGS: ReadonlySet<z.infer<typeof Finding>['kind']> = new Set(['kernel-panic', 'kernel-oops', 'kernel-bug', 'soft-lockup', 'rcu-stall', 'hung-task']);

/** A fault of the run and its phase at the end (one FaultSpec, with history times in ns). */
export const FaultRecord = FaultSpec.extend({
  targets: z.array(z.string()),
  /** history times (ns) when it took effect and was healed */
  start: z.number().optional(),
  stop: z.number().optional(),
  /** every record must read NotInjected at the end; otherwise the report says so first */
  phase: z.enum(PHASES),
  /** what was seen of it while in place (nft counters, readings), and what that shows */
  observed: FaultObservation.optional(),
  confirmation: Confirmation.optional(),
}).strip();

export const CounterDelta = z.object({
  node: z.string(),
  device: z.string(),
  /** the fault window the delta covers, or 'baseline' / 'run' */
  window: z.string(),
  deltas: z.record(z.string(), z.number()),
});

export const WorkloadStats = z.object({
  workload: z.string(),
  ops: z.number().int(),
  ok: z.number().int(),
  fail: z.number().int(),
  info: z.number().int(),
  opsPerSec: z.number(),
  latencyP50Us: z.number().optional(),
  latencyP99Us: z.number().optional(),
});

/**
 * The keys a workload of the run owns, so readers can group ops by workload without knowing
 * the workloads: a prefix ending in '@' (a region, `counter@`) owns every key it starts; any
 * other entry (a stream, `node2->node1`) owns that exact key.
 */
export const WorkloadKeys = z.object({ workload: z.string(), keys: z.array(z.string()) });
export type WorkloadKeys = z.infer<typeof WorkloadKeys>;

export function ownerOf(owners: readonly WorkloadKeys[], key: string | number | undefined): string | undefined {
  if (key === undefined) return undefined;
  const k = String(key);
  for (const o of owners) for (const p of o.keys) if (p.endsWith('@') ? k.startsWith(p) : k === p) return o.workload;
  return undefined;
}

/** how `rdma-chaos shrink` found a campaign: carried by the campaign, its runs and their reports */
export const Shrunk = z
  .object({
    /** the run directory it was shrunk from, and that run's seed */
    from: z.string(),
    seed: z.number().int(),
    /** candidates run, and the wall time spent */
    candidates: z.number().int().nonnegative(),
    seconds: z.number().nonnegative(),
    /** fault steps and workloads before and after */
    faults: z.tuple([z.number().int(), z.number().int()]),
    workloads: z.tuple([z.number().int(), z.number().int()]),
    /** the budget ran out: smaller may exist */
    exhausted: z.boolean(),
    /** reproduced in `of` of `runs` runs */
    reproduced: z.string(),
    /** the result run again after the search, every run, with seeds the search never used */
    recheck: z.object({ seeds: z.tuple([z.number().int(), z.number().int()]), reproduced: z.number().int().nonnegative(), runs: z.number().int().nonnegative() }).strict().optional(),
  })
  .strict();
export type Shrunk = z.infer<typeof Shrunk>;

export const RunResults = z.object({
  schema: z.literal(1),
  campaign: z.string(),
  seed: z.number().int(),
  startedAt: z.string(),
  endedAt: z.string(),
  durationMs: z.number(),
  cluster: z.object({ driver: z.string(), nodes: z.array(z.string()), rails: z.number().int() }),
  policy: z.string().optional(),
  verdict: Verdict,
  /**
   * The run did not end: its controller was killed or the machine rebooted, and this was
   * checked later from what history.jsonl holds. Ops still open at the end are indeterminate.
   * (Absent in complete runs, so results.json files from before it still parse.)
   */
  incomplete: z.literal(true).optional(),
  /** the campaign came out of `rdma-chaos shrink` */
  shrunk: Shrunk.optional(),
  incompleteReason: z.string().optional(),
  /** set when the testbed broke (issue 7): verdict is then 'unknown', never valid/invalid */
  infrastructureFault: z.object({ reason: z.string(), repaired: z.boolean() }).optional(),
  /**
   * Nodes that stopped answering during the run and could not be restarted (the ssh driver
   * restarts nothing): the campaign is marked node-lost; their ops are indeterminate, and the
   * next campaign needs them back.
   */
  nodesLost: z.array(z.string()).min(1).optional(),
  /** did the verdict match the campaign's expected outcome (self-testing campaigns) */
  expected: z.object({ verdict: Verdict.optional(), patterns: z.array(z.string()).optional(), matched: z.boolean() }).optional(),
  checks: z.array(CheckRecord),
  findings: z.array(Finding),
  faults: z.array(FaultRecord),
  counters: z.array(CounterDelta),
  stats: z.array(WorkloadStats),
  /** which keys belong to which workload (absent in runs before it was recorded) */
  workloads: z.array(WorkloadKeys).optional(),
  /** every fault healed and every process stopped */
  clean: z.boolean(),
  notes: z.array(z.string()).optional(),
});
export type RunResults = z.infer<typeof RunResults>;
export type Finding = z.infer<typeof Finding>;
export type FaultRecord = z.infer<typeof FaultRecord>;
export type CounterDelta = z.infer<typeof CounterDelta>;
export type WorkloadStats = z.infer<typeof WorkloadStats>;

/** One line of counters.jsonl: a sample of an rxe device's hw_counters at a time. */
export const RunCounterSample = z.object({
  time: z.number(),
  node: z.string(),
  device: z.string(),
  counters: z.record(z.string(), z.number()),
});
export type RunCounterSample = z.infer<typeof RunCounterSample>;

export const RUN_FILES = {
  campaign: 'campaign.yaml',
  history: 'history.jsonl',
  results: 'results.json',
  controllerLog: 'controller.log',
  counters: 'counters.jsonl',
  /** the history and counters as retention leaves them: never both a plain file and its .gz, but for a kill */
  historyGz: 'history.jsonl.gz',
  countersGz: 'counters.jsonl.gz',
  agentsDir: 'agents',
  consolesDir: 'consoles',
} as const;
