// A failover policy is the system under test: given the ops a broken QP left unresolved, it
// decides what happens to each. Policies are pure data-in/data-out; the slice runner executes
// the plan (re-posts on the backup rail's QP, READs for read-verify, the SEND handshake).
import type { OpFn } from '../ops';

export interface UnresolvedOp {
  /** op index in the slice */
  idx: number;
  f: OpFn;
  /** why it is unresolved: the completion status name, ETIMEDOUT or ECANCELED */
  error: string;
}

export interface FailoverPlan {
  /** move traffic to another rail; false: the rest of the slice fails (never posted) */
  failover: boolean;
  /** re-post these on the backup QP, before the rest of the slice */
  repost: number[];
  /** READ these ops' targets first; re-post only those whose value does not look applied */
  verify: number[];
  /** SENDs whose delivery is settled by a handshake with the receiver before re-posting */
  resync: number[];
  /** finalize these as info now (they may or may not have executed) */
  info: number[];
  /**
   * before re-posting, have the receiver fence (ERR) its QP on the abandoned rail, so packets
   * of the old QP still held by the fabric cannot land after the re-posts
   */
  fence: boolean;
}

export interface VerifiedOp {
  f: OpFn;
  /** write: the value written; cas: the new value */
  value: bigint;
  expect: bigint;
}

export interface FailoverPolicy {
  readonly name: string;
  /** one line for reports: what the policy promises */
  readonly summary: string;
  /** rails the cluster needs: a policy that moves traffic needs a backup */
  readonly needsRails: number;
  /** once every QP toward the target broke, workers build new ones, as a Jepsen client reopens
   *  its connection; a policy of no recovery at all does not */
  readonly reconnects: boolean;
  plan(unresolved: readonly UnresolvedOp[]): FailoverPlan;
  /** read-verify: does the value read back look like the op's effect? */
  looksApplied?(op: VerifiedOp, read: bigint): boolean;
}

export function emptyPlan(failover: boolean): FailoverPlan {
  return { failover, repost: [], verify: [], resync: [], info: [], fence: false };
}
