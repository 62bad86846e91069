// One interface for every fault kind (Chaos Mesh's apply/recover): a package validates its
// params, and either builds the rules an agent keeps installed (nft, tc, ip: agent-side, healed
// by the agent's lease too), or acts from the controller (cable pull, crash, pause).
// A package handles exactly one target; choosing targets belongs to harness/.
import type { z } from 'zod';
import type { FaultSpec } from '../agents/protocol';

/** Explicit phases, as Chaos Mesh records them; a run is clean only when all read NotInjected. */
export type Phase = 'NotInjected' | 'Injected' | 'Unknown';

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
}

interface Base<P> {
  readonly kind: string;
  readonly summary: string;
  readonly params: z.ZodType<P>;
  /** rails a target must have, e.g. failover needs a backup rail */
  readonly needsRails?: number;
  /** the fault stays in effect until explicitly healed (no natural end) */
  readonly persistent?: boolean;
}

export interface AgentFault<P> extends Base<P> {
  readonly side: 'agent';
  /** the rules the target's agent installs; `seed` makes random choices reproducible */
  spec(id: string, target: TargetInfo, params: P, seed: number): FaultSpec;
}

export interface ControllerFault<P> extends Base<P> {
  readonly side: 'controller';
  apply(ops: ControllerOps, target: TargetInfo, params: P): Promise<void>;
  /** must succeed when nothing is applied */
  recover(ops: ControllerOps, target: TargetInfo, params: P): Promise<void>;
}

export type FaultPackage<P> = AgentFault<P> | ControllerFault<P>;
