// Failover policies, by name.
import type { Policy } from '../protocol';
import { nonePolicy } from './none';
import { readVerifyPolicy } from './read-verify';
import { replayPolicy } from './replay';
import { shiftPolicy } from './shift';
import type { FailoverPolicy } from './types';

export const POLICIES: Record<Policy, FailoverPolicy> = {
  none: nonePolicy,
  replay: replayPolicy,
  shift: shiftPolicy,
  'read-verify': readVerifyPolicy,
};

export function policyFor(name: Policy): FailoverPolicy {
  return POLICIES[name];
}

export type { FailoverPolicy, FailoverPlan, UnresolvedOp, VerifiedOp } from './types';
export { nonePolicy, replayPolicy, shiftPolicy, readVerifyPolicy };
export { settleSends } from './shift';
