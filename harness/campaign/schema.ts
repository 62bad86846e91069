// A campaign file, validated data (YAML, checked with zod): a cluster, workloads, a failover
// policy with QP settings, a fault schedule, a duration, the checks, and optionally the
// expected outcome for self-testing campaigns.
import { z } from 'zod';
import { Duration, FAULT_KINDS } from '../../faults';

export const WORKLOADS = ['counter', 'cas-register', 'register', 'send-stream'] as const;
export const POLICIES = ['none', 'replay', 'shift', 'read-verify'] as const;
export const CHECKS = ['at-most-once', 'linearizability', 'stream'] as const;
export const PATTERNS = ['duplicate-fadd', 'cas-double-success', 'queue-sliding', 'stale-write-over-reused-buffer'] as const;

const NodeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a node name (letters, digits, _ . -)');

export const WorkloadSpec = z
  .object({
    workload: z.enum(WORKLOADS),
    /** nodes running clients (default: every node but the target) */
    clients: z.array(NodeName).min(1).optional(),
    /** the node whose memory the ops target (send-stream: the receiver) */
    target: NodeName.optional(),
    /** client processes per client node */
    concurrency: z.number().int().min(1).max(64).default(1),
    /** ops per second per process; 0 = as fast as the transport goes */
    rate: z.number().min(0, 'rate must not be negative').default(0),
    /** registers / counters / streams to spread ops over */
    keys: z.number().int().min(1).max(1 << 20).default(1),
    /** outstanding ops per process */
    depth: z.number().int().min(1).max(4096).default(16),
    /** share of reads among ops (counter, register) */
    reads: z.number().min(0).max(1).default(0),
    /** register: write data then a flag, the receiver reusing the buffer after the flag */
    variant: z.enum(['plain', 'flag-protected']).default('plain'),
    /** cas-register: a third party resets each new value back to the base (the ABA pattern) */
    reset: z.boolean().default(true),
    /** ops per slice sent to an agent at a time */
    slice: z.number().int().min(1).max(1 << 20).optional(),
  })
  .strict();
export type WorkloadSpec = z.infer<typeof WorkloadSpec>;

export const TimelineFault = z
  .object({
    at: Duration,
    kind: z.enum(FAULT_KINDS),
    target: NodeName,
    /** how long it stays; default: until the end of the run */
    duration: Duration.optional(),
    params: z.record(z.string(), z.unknown()).default({}),
    id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).optional(),
  })
  .strict();
export type TimelineFault = z.infer<typeof TimelineFault>;

export const RandomFaults = z
  .object({
    seed: z.number().int().optional(),
    kinds: z.array(z.enum(FAULT_KINDS)).min(1).default([...FAULT_KINDS]),
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
    policy: z.enum(POLICIES).default('none'),
    qp: QpSettings.default(QpSettings.parse({})),
    /** an op outstanding this long is indeterminate and its QP is forced to error */
    op_timeout: Duration.default('2s'),
    workloads: z.array(WorkloadSpec).min(1),
    faults: z
      .object({ timeline: z.array(TimelineFault).default([]), random: RandomFaults.optional() })
      .strict()
      .default({ timeline: [] }),
    /** default: every check that applies to the campaign's workloads */
    checks: z.array(z.enum(CHECKS)).min(1).optional(),
    expect: z
      .object({ verdict: z.enum(['valid', 'invalid', 'unknown']).optional(), patterns: z.array(z.enum(PATTERNS)).optional() })
      .strict()
      .optional(),
    /** stream metrics while the run goes (overridden by --influx) */
    influx: z.string().url().optional(),
  })
  .strict();
export type Campaign = z.infer<typeof Campaign>;
