// The nemesis: applies and heals the planned faults, recording each as start/stop events in
// the history at the time it really took effect. Agent-side faults are kept as one desired set
// per node and re-applied whole (Chaos Mesh's daemon style); healing applies the set without
// them. Cleanup is enforced by state: every record must end NotInjected, or the run is unclean.
import type { AgentClient } from '../../agents';
import type { FaultSpec } from '../../agents/protocol';
import { faultPackage, type ControllerOps, type FaultPackage, type Phase, type TargetInfo } from '../../faults';
import type { PlannedFault } from '../campaign';
import type { FaultWindow } from '../health/explain';
import type { HistoryEvent } from '../history/schema';
import type { FaultRecord } from '../store/results';

export interface NemesisDeps {
  agents: ReadonlyMap<string, AgentClient>;
  ops: ControllerOps;
  targets: ReadonlyMap<string, TargetInfo>;
  record(events: HistoryEvent[]): void;
  log(line: string): void;
  now(): number;
}

interface Active {
  f: PlannedFault;
  pkg: FaultPackage<unknown>;
  phase: Phase;
  /** when applying began (history clock) */
  invoked: number;
  start?: number;
  stop?: number;
  error?: string;
}

export class Nemesis {
  private readonly desired = new Map<string, Map<string, FaultSpec>>();
  private readonly faults = new Map<string, Active>();

  constructor(private readonly d: NemesisDeps) {}

  /** fault ids in effect now */
  get activeIds(): string[] {
    return [...this.faults.values()].filter((a) => a.phase !== 'NotInjected').map((a) => a.f.id);
  }

  async start(f: PlannedFault): Promise<void> {
    const pkg = faultPackage(f.kind, f.params);
    const a: Active = { f, pkg, phase: 'Unknown', invoked: this.d.now() };
    this.faults.set(f.id, a);
    const ref = { id: f.id, kind: f.kind, targets: [f.target], params: jsonParams(f.params) };
    this.d.record([{ type: 'invoke', process: 'nemesis', f: 'start', fault: ref, time: this.d.now() }]);
    try {
      const at = await this.applySide(a, true);
      a.phase = 'Injected';
      a.start = at;
      this.d.record([{ type: 'ok', process: 'nemesis', f: 'start', fault: ref, time: at }]);
      this.d.log(`fault ${f.id} (${f.kind} on ${f.target}) in effect`);
    } catch (e: unknown) {
      // it may or may not have taken effect: say so, and heal it like any other
      a.error = (e as Error).message;
      this.d.record([{ type: 'info', process: 'nemesis', f: 'start', fault: ref, error: a.error, time: this.d.now() }]);
      this.d.log(`fault ${f.id} failed to apply: ${a.error}`);
    }
  }

  async stop(id: string): Promise<void> {
    const a = this.faults.get(id);
    if (!a || a.phase === 'NotInjected') return;
    const ref = { id, kind: a.f.kind, targets: [a.f.target], params: jsonParams(a.f.params) };
    this.d.record([{ type: 'invoke', process: 'nemesis', f: 'stop', fault: ref, time: this.d.now() }]);
    try {
      const at = await this.applySide(a, false);
      a.phase = 'NotInjected';
      a.stop = at;
      this.d.record([{ type: 'ok', process: 'nemesis', f: 'stop', fault: ref, time: at }]);
      this.d.log(`fault ${id} healed`);
    } catch (e: unknown) {
      a.phase = 'Unknown';
      a.error = (e as Error).message;
      this.d.record([{ type: 'info', process: 'nemesis', f: 'stop', fault: ref, error: a.error, time: this.d.now() }]);
      this.d.log(`fault ${id} failed to heal: ${a.error}`);
    }
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
      id: a.f.id,
      kind: a.f.kind,
      target: a.f.target,
      params: a.f.params,
      invoked: a.invoked,
      ...(a.start !== undefined ? { start: a.start } : {}),
      // a failed heal may have left it in place: it has no end
      ...(a.stop !== undefined && a.phase === 'NotInjected' ? { stop: a.stop } : {}),
    }));
  }

  records(): FaultRecord[] {
    return [...this.faults.values()].map((a) => {
      const r: FaultRecord = { id: a.f.id, kind: a.f.kind, targets: [a.f.target], params: jsonParams(a.f.params), phase: a.phase };
      if (a.start !== undefined) r.start = a.start;
      if (a.stop !== undefined) r.stop = a.stop;
      return r;
    });
  }

  /** returns the time (history clock) the change took effect */
  private async applySide(a: Active, on: boolean): Promise<number> {
    const target = this.d.targets.get(a.f.target);
    if (!target) throw new Error(`no such node ${a.f.target}`);
    if (a.pkg.side === 'controller') {
      if (on) await a.pkg.apply(this.d.ops, target, a.f.params);
      else await a.pkg.recover(this.d.ops, target, a.f.params);
      return this.d.now();
    }
    const agent = this.d.agents.get(a.f.target);
    if (!agent) throw new Error(`no agent on ${a.f.target}`);
    let set = this.desired.get(a.f.target);
    if (!set) this.desired.set(a.f.target, (set = new Map()));
    if (on) set.set(a.f.id, a.pkg.spec(a.f.id, target, a.f.params, a.f.seed));
    else set.delete(a.f.id);
    const r = await agent.setFaults([...set.values()]);
    return agent.clock.toLocal(BigInt(r.effectiveNs));
  }
}

function jsonParams(p: Record<string, unknown>): Record<string, import('../history/schema').Json> {
  return JSON.parse(JSON.stringify(p)) as Record<string, import('../history/schema').Json>;
}
