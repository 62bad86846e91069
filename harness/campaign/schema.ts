// A campaign file, validated data (YAML, checked with zod): a cluster, workloads, a failover
// policy with QP settings, a fault schedule, a duration, the checks, and optionally the
// expected outcome for self-testing campaigns. The names it accepts come from the registries
// of workloads, faults, policies and patterns; each workload's and fault's own fields are
// checked by its package (load.ts).
import { z } from 'zod';
import { DEFAULT_POLICY, POLICY_NAMES } from '../../agents';
import { FAULT_KINDS } from '../../faults';
import { CHECK_NAMES, Duration, NodeName, Shrunk } from '../core';
import { WORKLOAD_NAMES, WorkloadCommon, workloadPatterns } from '../../workloads';

const oneOf = (names: readonly string[]) => z.enum(names as [string, ...string[]]);

/** a workload entry: the common fields; the package's own are let through and checked by it */
export const WorkloadEntry = WorkloadCommon.extend({ workload: oneOf(WORKLOAD_NAMES) }).loose();
export type WorkloadEntry = z.infer<typeof WorkloadEntry>;

export const TimelineFault = z
  .object({
    at: Duration,
    kind: oneOf(FAULT_KINDS),
    target: NodeName,
    /** how long it stays; default: until the end of the run */
    duration: Duration.optional(),
    params: z.record(z.string(), z.unknown()).default({}),
    id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).optional(),
  })
  .strict();
export type TimelineFault = z.infer<typeof TimelineFault>;

/** a seeded random schedule; its stream comes from the campaign's one seed */
export const RandomFaults = z
  .object({
    kinds: z.array(oneOf(FAULT_KINDS)).min(1).default([...FAULT_KINDS]),
    targets: z.array(NodeName).min(1).optional(),
    /** mean time between fault starts */
    interval: Duration.default('20s'),
    /** each fault lasts between these */
    duration: z.tuple([Duration, Duration]).default(['2s', '8s']),
    /** params per kind, overriding the defaults the schedule picks */
    params: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  })
  .strict();

export const QpSettings = z
  .object({
    timeout: z.number().int().min(0).max(31).default(16),
    retry_cnt: z.number().int().min(0).max(7).default(3),
    rnr_retry: z.number().int().min(0).max(7).default(7),
    max_rd_atomic: z.number().int().min(1).max(128).default(16),
    min_rnr_timer: z.number().int().min(0).max(31).default(12),
  })
  .strict();

export const Campaign = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,79}$/, 'lower-case letters, digits, . _ -'),
    description: z.string().optional(),
    /** the one seed of a run: schedules, loss patterns and workloads all derive from it */
    seed: z.number().int().optional(),
    duration: Duration,
    cluster: z
      .object({
        driver: z.string().regex(/^(local|ssh:.+|docker:.+)$/, 'local, ssh:INVENTORY or docker:HOST').default('local'),
        nodes: z.number().int().min(1).max(8).default(3),
        rails: z.number().int().min(1).max(2).default(2),
      })
      .strict()
      .default({ driver: 'local', nodes: 3, rails: 2 }),
    policy: oneOf(POLICY_NAMES).default(DEFAULT_POLICY),
    qp: QpSettings.default(QpSettings.parse({})),
    /** an op outstanding this long is indeterminate and its QP is forced to error */
    op_timeout: Duration.default('2s'),
    workloads: z.array(WorkloadEntry).min(1),
    faults: z
      .object({ timeline: z.array(TimelineFault).default([]), random: RandomFaults.optional() })
      .strict()
      .default({ timeline: [] }),
    /** default: every check that applies to the campaign's workloads */
    checks: z.array(z.enum(CHECK_NAMES)).min(1).optional(),
    expect: z
      .object({ verdict: z.enum(['valid', 'invalid', 'unknown']).optional(), patterns: z.array(oneOf(workloadPatterns().map((p) => p.name))).optional() })
      .strict()
      .optional(),
    /** stream metrics while the run goes (overridden by --influx) */
    influx: z.string().url().optional(),
    /** written by `rdma-chaos shrink`: where this campaign came from */
    shrunk: Shrunk.optional(),
  })
  .strict();
export type Campaign = z.infer<typeof Campaign>;
