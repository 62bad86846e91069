// Which faults explain a failed probe or a silent node. The watchdog's probes (ICMP echo on a
// data rail) stay outside the faulted traffic classes where they can; each fault package says
// whether it cuts a probe (a partition, a link down or cable pull, a crash, netem that drops or
// holds most packets do), and then the failure says nothing about the testbed. Pure.
import type { FaultEffects, FaultWindow, ProbePath } from '../core';

export interface ExplainOptions {
  /** a fault healed this recently still explains (links take seconds to come back); ns */
  graceNs: number;
  /** the probe's failure threshold (ms): netem holding packets half this long explains it */
  failAfterMs: number;
  /** what each fault does to probes and nodes (the fault registry's answer) */
  effects: FaultEffects;
}

/**
 * The fault was (or may have been) in place at some moment of [from, to]: from when applying
 * began (a crash is in effect before the nemesis hears back: the panic's console lines come
 * first), to its heal plus the grace.
 */
export function activeDuring(f: FaultWindow, from: number, to: number, graceNs = 0): boolean {
  if ((f.invoked ?? f.start ?? 0) > to) return false;
  return f.stop === undefined || f.stop + graceNs >= from;
}

/** The fault that explains a probe path failing at `now`, if any. */
export function explainPath(faults: readonly FaultWindow[], p: ProbePath, now: number, o: ExplainOptions): FaultWindow | undefined {
  return faults.find((f) => o.effects.cutsProbe(f, p, o.failAfterMs) && activeDuring(f, now, now, o.graceNs));
}

/** The fault that explains a node not answering at `now` (a fault that takes its node away). */
export function explainNode(faults: readonly FaultWindow[], node: string, now: number, o: Pick<ExplainOptions, 'graceNs' | 'effects'>): FaultWindow | undefined {
  return faults.find((f) => o.effects.takesNodeAway(f) && f.targets.includes(node) && activeDuring(f, now, now, o.graceNs));
}

/** Fault ids in place at some moment of [from, to] (a finding's "faults active then"). */
export function activeIds(faults: readonly FaultWindow[], from: number, to: number): string[] {
  return faults.filter((f) => activeDuring(f, from, to)).map((f) => f.id);
}
