// The fault vocabulary, one shape per idea, shared by every floor above:
//   FaultSpec    what a fault is (id, kind, targets, params): the history's `fault` field
//   FaultWindow  a fault and when it was in place (history clock, and ranks in a history)
//   FaultRules   what an agent keeps installed for an agent-side fault (nft, argv lists)
//   Phase        where a fault stands (Chaos Mesh's records): a run is clean only when all
//                read NotInjected
//   FaultObservation / Confirmation   what was seen of a fault in place, and whether that
//                shows it took effect (confirmed, mismatch, inconclusive)
import { z } from 'zod';
import { Json } from './json';

export const FaultSpec = z
  .object({
    id: z.string(),
    kind: z.string(),
    targets: z.array(z.string()).optional(),
    params: z.record(z.string(), Json).optional(),
  })
  .strict();
export type FaultSpec = z.infer<typeof FaultSpec>;

/** A fault and when it was in place. Every field but the identity is optional: a fault still
 *  being applied has no start yet, one never healed no stop, an untimed history only ranks. */
export interface FaultWindow {
  id: string;
  kind: string;
  targets: string[];
  params: Record<string, Json>;
  /** history clock (ns): applying began; it took effect; it was healed */
  invoked?: number;
  start?: number;
  stop?: number;
  /** real-time ranks of its start and stop events in a history */
  startRank?: number;
  stopRank?: number;
}

/** Explicit phases, as Chaos Mesh records them. */
export const PHASES = ['NotInjected', 'Injected', 'Unknown'] as const;
export type Phase = (typeof PHASES)[number];

const ruleName = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:@>\-]+$/, 'letters, digits and _ . : @ > -');

/** What an agent keeps installed for one fault; the whole desired set is re-applied on every change. */
export const FaultRules = z
  .object({
    id: ruleName,
    /** an nft ruleset loaded with `nft -f -`; its tables must be named rdma_chaos* */
    nft: z.string().optional(),
    /** argv lists run in order to install it */
    apply: z.array(z.array(z.string()).min(1)).optional(),
    /** argv lists run (failures ignored) to remove it; must succeed when nothing is installed */
    clear: z.array(z.array(z.string()).min(1)).optional(),
    /** evidence: argv lists the agent runs once it is installed (`NAME@applied`) and before it is healed (`NAME@healing`) */
    readings: z.record(ruleName, z.array(z.string()).min(1)).optional(),
  })
  .strict();
export type FaultRules = z.infer<typeof FaultRules>;

export const NftCount = z.object({ packets: z.number().int().min(0), bytes: z.number().int().min(0) }).strict();
export type NftCount = z.infer<typeof NftCount>;

/**
 * What was seen of one fault while it was in place, for its package to confirm it by. The agent
 * re-applies its whole set on every change (which zeroes nft counters), so it sums each rule's
 * counters over every re-apply, keyed by the rule's comment.
 */
export const FaultObservation = z
  .object({
    nft: z.record(z.string(), NftCount).optional(),
    /** `NAME@applied`, `NAME@healing` (agent) and the controller's own readings: output, or `!` and why not */
    readings: z.record(z.string(), z.string()).optional(),
  })
  .strict();
export type FaultObservation = z.infer<typeof FaultObservation>;

export const CONFIRMATIONS = ['confirmed', 'mismatch', 'inconclusive'] as const;
/** did the fault take effect: the evidence says so, says not, or cannot tell */
export const Confirmation = z.object({ status: z.enum(CONFIRMATIONS), evidence: z.string() }).strict();
export type Confirmation = z.infer<typeof Confirmation>;

/** what a package confirms a fault by: its observation and the target's rxe counter deltas over its window */
export interface ConfirmInput {
  observed: FaultObservation | undefined;
  /** device -> counter -> delta over the window, on the target node (empty when none were sampled) */
  deltas: Record<string, Record<string, number>>;
}

export interface RailAddr {
  rail: number;
  netdev: string;
  /** IPv4 without prefix */
  ip: string;
  device?: string;
}

/** What a fault package may know about its target and the rest of the cluster. */
export interface TargetInfo {
  node: string;
  rails: RailAddr[];
  peers: { node: string; rails: RailAddr[] }[];
}

/**
 * What a fault can need of the cluster driver beyond the NodeDriver: crashing a node, restarting
 * one, panicking its kernel (not in a container: that kernel is the host's). The run refuses a
 * campaign whose faults need what its driver cannot do, before anything starts.
 */
export type DriverAbility = 'kill-node' | 'restart-node' | 'own-kernel';

/** Controller-side powers, for faults that are not rules inside a node. */
export interface ControllerOps {
  pullCable(node: string, rail: number): Promise<void>;
  restoreCable(node: string, rail: number): Promise<void>;
  crashNode(node: string): Promise<void>;
  /** make the node's kernel panic (sysrq crash); resolves once it is down or surely panicking */
  panicNode(node: string): Promise<void>;
  restartNode(node: string): Promise<void>;
  /** the agent process of a node: SIGSTOP / SIGCONT */
  signalAgent(node: string, signal: 'SIGSTOP' | 'SIGCONT'): Promise<void>;
  /** evidence, read from the controller: a command's stdout on the node, or `!` and why not (never throws) */
  read(node: string, argv: string[]): Promise<string>;
  /** the agent's process state on a node (ps's STAT: `T` when stopped), or `!` and why not */
  agentState(node: string): Promise<string>;
  /** `up`, or `down (why)`: the VM's process, or whether the node answers at all */
  nodeState(node: string): Promise<string>;
}

/** One fabric probe: `from` pings `to` over a data rail (the health watchdog's). */
export interface ProbePath {
  from: string;
  to: string;
  rail: number;
}

/** What faults do to the health watchdog's probes and nodes (the fault registry answers). */
export interface FaultEffects {
  /** the fault, while in place, cuts this probe path (`failAfterMs`: the probe's patience) */
  cutsProbe(f: FaultWindow, probe: ProbePath, failAfterMs: number): boolean;
  /** the fault takes its target node away (it will not answer) */
  takesNodeAway(f: FaultWindow): boolean;
}

/** healed in the history (its stop event was recorded) */
export function healed(w: FaultWindow): boolean {
  return w.stop !== undefined || w.stopRank !== undefined;
}

/** where a window starts on a history's axis: ns when the history is timed, else ranks */
export function windowStart(w: FaultWindow, timed: boolean): number {
  return (timed ? w.start ?? w.startRank : w.startRank) ?? 0;
}

/** where a window ends on a history's axis; undefined while it was never healed */
export function windowStop(w: FaultWindow, timed: boolean): number | undefined {
  if (!healed(w)) return undefined;
  return timed ? w.stop ?? w.stopRank : w.stopRank;
}
