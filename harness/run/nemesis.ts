// The nemesis: applies and heals the planned faults through their packages' apply/recover,
// recording each as start/stop events in the history at the time it really took effect. Agent-
// side rules are kept as one desired set per node and re-applied whole (Chaos Mesh's daemon
// style); healing applies the set without them. Cleanup is enforced by state: one record per
// fault and target, and the run is clean only when every record reads NotInjected.
import type { AgentClient } from '../../agents';
import { faultPackage, type FaultPackage, type FaultTarget } from '../../faults';
import type { PlannedFault } from '../campaign';
import type { ControllerOps, FaultObservation, FaultRecord, FaultRules, FaultSpec, FaultWindow, HistoryEvent, Json, Phase, TargetInfo } from '../core';
import type { FaultJournal } from './journal';

export interface NemesisDeps {
  agents: ReadonlyMap<string, AgentClient>;
  ops: ControllerOps;
  targets: ReadonlyMap<string, TargetInfo>;
  record(events: HistoryEvent[]): void;
  log(line: string): void;
  now(): number;
  /** controller-side faults are listed here while they may be in effect (healed after a crash) */
  journal?: { file: FaultJournal; run: string };
}

/** one fault on one target, and where it stands */
interface FaultState {
  f: PlannedFault;
  pkg: FaultPackage;
  params: object;
  phase: Phase;
  /** when applying began (history clock) */
  invoked: number;
  start?: number;
  stop?: number;
  error?: string;
  /** what was seen of it: the agent's last report of its rules, and the controller's readings */
  agent?: FaultObservation;
  readings: Record<string, string>;
}

export class Nemesis {
  private readonly desired = new Map<string, Map<string, FaultRules>>();
  private readonly faults = new Map<string, FaultState>();

  constructor(private readonly d: NemesisDeps) {}

  /** fault ids in effect now */
  get activeIds(): string[] {
    return [...this.faults.values()].filter((a) => a.phase !== 'NotInjected').map((a) => a.f.id);
  }

  async start(f: PlannedFault): Promise<void> {
    const pkg = faultPackage(f.kind);
    const a: FaultState = { f, pkg, params: pkg.params.parse(f.params), phase: 'Unknown', invoked: this.d.now(), readings: {} };
    this.faults.set(f.id, a);
    await this.change(a, true);
  }

  async stop(id: string): Promise<void> {
    const a = this.faults.get(id);
    if (!a || a.phase === 'NotInjected') return;
    await this.change(a, false);
  }

  /** heal everything still in place; idempotent, and tries every fault even if one fails */
  async healAll(): Promise<void> {
    for (const a of this.faults.values()) if (a.phase !== 'NotInjected') await this.stop(a.f.id);
    // belt and braces: every agent applies the empty set (a no-op when nothing is installed)
    await Promise.all(
      [...this.d.agents.values()].map((c) =>
        c.heal().catch((e: unknown) => this.d.log(`${c.node}: heal failed: ${(e as Error).message}`)),
      ),
    );
  }

  /** every fault so far with its window, for the health watchdog (what explains a probe failure) */
  windows(): FaultWindow[] {
    return [...this.faults.values()].map((a) => ({
      ...spec(a.f),
      invoked: a.invoked,
      ...(a.start !== undefined ? { start: a.start } : {}),
      // a failed heal may have left it in place: it has no end
      ...(a.stop !== undefined && a.phase === 'NotInjected' ? { stop: a.stop } : {}),
    }));
  }

  records(): FaultRecord[] {
    return [...this.faults.values()].map((a) => {
      const r: FaultRecord = { ...spec(a.f), phase: a.phase };
      if (a.start !== undefined) r.start = a.start;
      if (a.stop !== undefined) r.stop = a.stop;
      const readings = { ...a.agent?.readings, ...a.readings };
      if (a.agent?.nft || Object.keys(readings).length) r.observed = { ...(a.agent?.nft ? { nft: a.agent.nft } : {}), ...(Object.keys(readings).length ? { readings } : {}) };
      return r;
    });
  }

  /** apply or recover one fault, recording the request and when it took effect (or that it may have) */
  private async change(a: FaultState, on: boolean): Promise<void> {
    const f = on ? 'start' : 'stop';
    const ref = spec(a.f);
    this.d.record([{ type: 'invoke', process: 'nemesis', f, fault: ref, time: this.d.now() }]);
    const journaled = this.d.journal && a.pkg.side(a.params) === 'controller' ? this.d.journal : undefined;
    try {
      const { target, effective } = this.target(a);
      if (on && journaled) {
        const pid = this.d.agents.get(a.f.target)?.pid;
        journaled.file.add({ id: a.f.id, kind: a.f.kind, target: a.f.target, params: ref.params, run: journaled.run, at: new Date().toISOString(), ...(pid !== undefined ? { agentPid: pid } : {}) });
      }
      a.phase = on ? await a.pkg.apply(target, a.params) : await a.pkg.recover(target, a.params);
      if (!on && journaled) journaled.file.remove(a.f.id, a.f.target);
      const at = effective() ?? this.d.now();
      if (on) a.start = at;
      else a.stop = at;
      this.d.record([{ type: 'ok', process: 'nemesis', f, fault: ref, time: at }]);
      this.d.log(on ? `fault ${a.f.id} (${a.f.kind} on ${a.f.target}) in effect` : `fault ${a.f.id} healed`);
    } catch (e: unknown) {
      // it may or may not have taken effect: say so, and heal it like any other
      a.phase = 'Unknown';
      a.error = (e as Error).message;
      this.d.record([{ type: 'info', process: 'nemesis', f, fault: ref, error: a.error, time: this.d.now() }]);
      this.d.log(`fault ${a.f.id} failed to ${on ? 'apply' : 'heal'}: ${a.error}`);
    }
  }

  /** what a package acts on; agent-side rules report the agent's time of effect */
  private target(a: FaultState): { target: FaultTarget; effective(): number | undefined } {
    const node = a.f.target;
    const info = this.d.targets.get(node);
    if (!info) throw new Error(`no such node ${node}`);
    let at: number | undefined;
    const setRules = async (rules: FaultRules | undefined): Promise<void> => {
      const agent = this.d.agents.get(node);
      if (!agent) throw new Error(`no agent on ${node}`);
      let set = this.desired.get(node);
      if (!set) this.desired.set(node, (set = new Map()));
      if (rules) set.set(a.f.id, rules);
      else set.delete(a.f.id);
      const r = await agent.setFaults([...set.values()]);
      at = agent.clock.toLocal(BigInt(r.effectiveNs));
      // each change reports every fault it touched: keep the latest of each (counters are sums)
      for (const [id, o] of Object.entries(r.observed)) {
        const other = this.faults.get(id);
        if (other && other.f.target === node) other.agent = o;
      }
    };
    return {
      target: {
        id: a.f.id, info, seed: a.f.seed, ops: this.d.ops,
        rules: { install: (r) => setRules(r), remove: () => setRules(undefined) },
        observe: (name, value) => void (a.readings[name] = value),
        tookEffect: () => void (at = this.d.now()),
      },
      effective: () => at,
    };
  }
}

/** the fault as the history and results.json name it */
function spec(f: PlannedFault): FaultSpec & { targets: string[]; params: Record<string, Json> } {
  return { id: f.id, kind: f.kind, targets: [f.target], params: JSON.parse(JSON.stringify(f.params)) as Record<string, Json> };
}
