// What a synthetic run is made of, before it is written out as a run directory.
import type { Json, OpF, RdmaMeta } from '../../../harness/core';
import type { Finding } from '../../../harness/core';

export type Workload = 'counter' | 'register' | 'cas-register' | 'send-stream';

export interface SimOp {
  process: number;
  node: string;
  f: OpF;
  key: string;
  value?: Json;
  result?: Json;
  status: 'ok' | 'fail' | 'info';
  error?: string;
  /** invoke and completion times (ns); ret undefined: never completed */
  call: number;
  ret?: number;
  rdma?: RdmaMeta;
  final?: boolean;
  /** when the op took effect on the remote memory (NaN: never); lin2: a second, duplicate effect */
  lin: number;
  lin2?: number;
  workload: Workload | 'scenario';
}

export interface SimFault {
  id: string;
  kind: string;
  targets: string[];
  params?: Record<string, Json>;
  /** request time, effective time, heal request, healed (ns); stop undefined: never healed */
  invoke: number;
  start: number;
  stopInvoke?: number;
  stop?: number;
}

export type Plant = 'duplicateFadd' | 'staleRead' | 'casDoubleSuccess' | 'queueSliding' | 'staleWrite';

export interface FaultSpec {
  kind: string;
  targets: string[];
  /** fractions of the run */
  from: number;
  to: number;
  params?: Record<string, Json>;
}

export interface SyntheticOptions {
  /** the run directory to create (parents included) */
  dir: string;
  campaign?: string;
  seed?: number;
  /** client ops of the background workload (planted scenarios add a few dozen) */
  ops?: number;
  /** background client processes (plus 2 for the stream and a few for scenarios) */
  processes?: number;
  nodes?: string[];
  /** completions per second over all processes: sets the run's length */
  rate?: number;
  faults?: FaultSpec[];
  /** violations to plant; default duplicateFadd + staleRead */
  plant?: Plant[];
  /** plant XSS payloads in every kind of value a report shows */
  hostile?: boolean;
  /** add a kernel oops on the failover target, with a console excerpt */
  kernelOops?: boolean;
  /** the testbed broke: results carry infrastructureFault and verdict unknown */
  infrastructureFault?: string;
  /** leave the last fault unhealed: its record reads Injected and clean is false */
  unclean?: boolean;
  /** self-testing campaign expectations */
  expected?: { verdict?: 'valid' | 'invalid' | 'unknown'; patterns?: string[] };
  startedAt?: Date;
  policy?: string;
  /** run the checkers (default); false writes results with empty checks, verdict unknown */
  check?: boolean;
  checkTimeoutMs?: number;
  extraFindings?: Finding[];
}

export const HOSTILE = {
  script: '<script>window.__pwned=1</script>',
  img: '"><img src=x onerror="window.__pwned=2">',
  svg: "'><svg onload=window.__pwned=3>",
  endScript: '</script><!--<script>window.__pwned=4</script>',
  lineSep: 'a\u2028b\u2029c',
} as const;
