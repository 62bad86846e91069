// One interface for every fault kind (Chaos Mesh's Apply/Recover -> Phase). A package validates
// its params and acts on exactly one target: through the rules the target's agent keeps
// installed (nft, tc, ip: agent-side, healed by the agent's lease too), or from the controller
// (cable pull, crash, pause). Choosing targets belongs to the run; each record's phase lives in
// the nemesis, which holds the run unclean until every record reads NotInjected.
import type { z } from 'zod';
import type { Confirmation, ConfirmInput, ControllerOps, DriverAbility, FaultRules, Phase, TargetInfo } from '../harness/core';

/** What a package gets to act on one target. */
export interface FaultTarget {
  /** the fault's id: names its rules */
  id: string;
  info: TargetInfo;
  /** for the fault's own random choices (loss patterns), reproducible from the run's seed */
  seed: number;
  /** controller-side powers */
  ops: ControllerOps;
  /** agent-side: this fault's rules in the target agent's desired set */
  rules: {
    install(rules: FaultRules): Promise<void>;
    remove(): Promise<void>;
  };
  /** keep a controller-side reading as evidence (crash, pause, cable pull) */
  observe(name: string, value: string): void;
  /** a controller-side fault took effect now: readings taken after it do not move its window */
  tookEffect(): void;
}

/** a fabric probe as a fault sees it: over `rail`, between its target and `other` */
export interface ProbeFromTarget {
  rail: number;
  other: string;
  /** the probe's failure threshold (ms) */
  failAfterMs: number;
}

export interface FaultPackage<P extends object = object> {
  readonly kind: string;
  readonly summary: string;
  readonly params: z.ZodType<P>;
  /** where it acts, for these params: the agent's rules, or the controller */
  side(p: P): 'agent' | 'controller';
  /** rails a target must have, e.g. failover needs a backup rail */
  readonly needsRails?: number;
  /** params that name nodes (checked against the cluster when a campaign loads) */
  readonly nodeParams?: readonly string[];
  /** the params a random schedule gives it unless the campaign says otherwise */
  readonly randomParams: Readonly<Record<string, unknown>>;
  /** it takes its target node away: a random schedule spares the nodes holding workload memory */
  readonly takesNodeAway?: boolean;
  /** what it needs of the driver for these params (none: every driver can) */
  needs?(p: P): readonly DriverAbility[];
  apply(t: FaultTarget, p: P): Promise<Phase>;
  /** idempotent: succeeds when nothing is applied */
  recover(t: FaultTarget, p: P): Promise<Phase>;
  /** while in place, does it cut this fabric probe? Then a failed probe says nothing about the testbed */
  cutsProbe(p: P, probe: ProbeFromTarget): boolean;
  /** did it take effect, by what was seen of it (pure: results.json is rechecked from the same input) */
  confirm(p: P, i: ConfirmInput): Confirmation;
}

/** the rails a fault's `rails` param selects (all when absent) */
export function selectedRails(info: TargetInfo, rails: readonly number[] | undefined): TargetInfo['rails'] {
  return info.rails.filter((r) => !rails || rails.includes(r.rail));
}

/** an agent-side fault: install its rules, remove them */
export async function installRules(t: FaultTarget, rules: FaultRules): Promise<Phase> {
  await t.rules.install(rules);
  return 'Injected';
}

export async function removeRules(t: FaultTarget): Promise<Phase> {
  await t.rules.remove();
  return 'NotInjected';
}
