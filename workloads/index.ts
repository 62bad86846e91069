// The workload registry: one line per package. Everything else about a workload lives in its
// own folder; nothing outside it and this list names one.
import type { PatternDef } from '../harness/core';
import { casRegister } from './cas-register';
import { counter } from './counter';
import { diskPaxos } from './disk-paxos';
import { paxos } from './paxos';
import { reconfig } from './reconfig';
import { register } from './register';
import { sendStream } from './send-stream';
import type { Placement, WorkloadPackage, WorkloadSpec } from './types';

export * from './types';

const PACKAGES: readonly WorkloadPackage[] = [
  counter,
  casRegister,
  register,
  sendStream,
  diskPaxos,
  paxos,
  reconfig,
];

export const WORKLOAD_NAMES = PACKAGES.map((p) => p.name);

export function isWorkloadName(name: string): boolean {
  return PACKAGES.some((p) => p.name === name);
}

/** the package of a validated workload name */
export function workloadPackage(name: string): WorkloadPackage {
  const p = PACKAGES.find((x) => x.name === name);
  if (!p) throw new Error(`no workload package "${name}"`);
  return p;
}

/** every package's failure patterns, in registry order (the classifier's order) */
export function workloadPatterns(): PatternDef[] {
  return PACKAGES.flatMap((p) => p.patterns);
}

/** the nodes a workload entry's clients reach, and the (from, to) QP pairs it uses */
export function reachOf(name: string, spec: WorkloadSpec, at: Placement): { peers: string[]; links: [string, string][] } {
  const p = workloadPackage(name);
  const peers = p.peers?.(spec, at) ?? [at.target];
  return { peers, links: p.links?.(spec, at) ?? at.clients.flatMap((c) => peers.map((x): [string, string] => [c, x])) };
}
