// The failover policy registry: one line per policy. A policy is the system under test; its
// folder holds all it knows, and nothing outside it and this list names one.
import { nonePolicy } from './none';
import { readVerifyPolicy } from './read-verify';
import { replayPolicy } from './replay';
import { shiftPolicy } from './shift';
import type { FailoverPolicy } from './types';

const POLICY_LIST: readonly FailoverPolicy[] = [
  nonePolicy,
  replayPolicy,
  shiftPolicy,
  readVerifyPolicy,
];

export const POLICY_NAMES = POLICY_LIST.map((p) => p.name);

/** a campaign that names no policy gets no failover at all */
export const DEFAULT_POLICY = nonePolicy.name;

export const POLICIES: Readonly<Record<string, FailoverPolicy>> = Object.fromEntries(POLICY_LIST.map((p) => [p.name, p]));

/** the policy of a validated name */
export function policyFor(name: string): FailoverPolicy {
  const p = POLICIES[name];
  if (!p) throw new Error(`no failover policy "${name}"`);
  return p;
}

/** what the checking side may know of a policy without naming it (PatternContext.policy) */
export function policyTraits(name: string): { name: string; verifiesByRead: boolean } {
  const p = policyFor(name);
  return { name: p.name, verifiesByRead: p.looksApplied !== undefined };
}

export type { FailoverPolicy, FailoverPlan, UnresolvedOp, VerifiedOp } from './types';
export { nonePolicy, replayPolicy, shiftPolicy, readVerifyPolicy };
export { settleSends } from './shift';
