// The fault registry: one line per kind. Campaign validation, planning, the nemesis and the
// health watchdog's view of faults all go through it, so an unknown kind is caught before
// anything starts, and nothing outside a kind's folder and this list names one.
import type { Confirmation, CounterDelta, FaultEffects, FaultRecord } from '../harness/core';
import { ackLoss } from './ack-loss';
import { crash } from './crash';
import { delay } from './delay';
import { nicFailover } from './nic-failover';
import { packetLoss } from './packet-loss';
import { partition } from './partition';
import { pause } from './pause';
import type { FaultPackage } from './types';

export * from './types';
export { tableName, seededRate } from './nft';

const PACKAGES: readonly FaultPackage[] = [
  packetLoss,
  ackLoss,
  nicFailover,
  partition,
  delay,
  crash,
  pause,
];

export const FAULT_KINDS = PACKAGES.map((p) => p.kind);

export function isFaultKind(k: string): boolean {
  return PACKAGES.some((p) => p.kind === k);
}

export function faultPackage(kind: string): FaultPackage {
  const p = PACKAGES.find((x) => x.kind === kind);
  if (!p) throw new Error(`no fault package "${kind}"`);
  return p;
}

/**
 * Did the fault take effect: its package reads what was seen of it (its observation) and the
 * rxe counter deltas of its target over its window. Never applied, or unknown: inconclusive.
 */
export function confirmFault(f: FaultRecord, counters: readonly CounterDelta[]): Confirmation {
  if (!isFaultKind(f.kind)) return { status: 'inconclusive', evidence: `no fault package ${f.kind}` };
  if (f.start === undefined) return { status: 'inconclusive', evidence: 'it never took effect (applying it failed or was cut short)' };
  const pkg = faultPackage(f.kind);
  const p = pkg.params.safeParse(f.params ?? {});
  if (!p.success) return { status: 'inconclusive', evidence: 'its params no longer parse' };
  const deltas: Record<string, Record<string, number>> = {};
  for (const c of counters) if (c.window === f.id && f.targets.includes(c.node)) deltas[c.device] = c.deltas;
  return pkg.confirm(p.data, { observed: f.observed, deltas });
}

/** what each kind, as its package says, does to the health watchdog's probes and nodes */
export const faultEffects: FaultEffects = {
  cutsProbe(f, probe, failAfterMs) {
    const target = f.targets.find((t) => t === probe.from || t === probe.to);
    if (target === undefined || !isFaultKind(f.kind)) return false;
    const pkg = faultPackage(f.kind);
    const p = pkg.params.safeParse(f.params);
    return p.success && pkg.cutsProbe(p.data, { rail: probe.rail, other: target === probe.from ? probe.to : probe.from, failAfterMs });
  },
  takesNodeAway: (f) => isFaultKind(f.kind) && faultPackage(f.kind).takesNodeAway === true,
};
