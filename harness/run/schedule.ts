// The fault schedule as the nemesis plays it: one change (a fault's start or stop) at a time,
// in plan order, each at its planned offset from the workload's start. On a loaded TCG host a
// change can take many seconds to take effect (an nft rule load in a starved guest); a change
// that took effect late shifts every later change by its lateness, so the plan's gaps survive
// (an ACK blackout still precedes the failover by the planned seconds, not by none).
import type { PlannedFault } from '../campaign';

export interface ScheduleActions {
  start(f: PlannedFault): Promise<void>;
  stop(id: string): Promise<void>;
  /** after each change (a counter sample, the protocols' snapshots), with what it was: "start f1" */
  after?(what: string): void;
  log(line: string): void;
}

interface Change {
  at: number;
  what: string;
  act(): Promise<void>;
}

export class FaultSchedule {
  private readonly changes: Change[];
  private done = 0;
  private shift = 0;
  private halted = false;
  private wake: (() => void) | undefined;
  /** ms since the epoch when the last change took effect */
  lastAt: number | undefined;

  /** `lateMs`: lateness up to this is a change's normal cost, not a lag */
  constructor(faults: readonly PlannedFault[], private readonly a: ScheduleActions, private readonly lateMs = 1000) {
    const list: Change[] = [];
    for (const f of faults) {
      list.push({ at: f.startMs, what: `start ${f.id}`, act: () => a.start(f) });
      if (Number.isFinite(f.stopMs)) list.push({ at: f.stopMs, what: `stop ${f.id}`, act: () => a.stop(f.id) });
    }
    // stable: a fault's start stays before its stop, and plan order breaks ties
    this.changes = list.sort((x, y) => x.at - y.at);
  }

  get total(): number {
    return this.changes.length;
  }

  /** changes not yet made */
  get pending(): number {
    return this.changes.length - this.done;
  }

  /** how far behind the plan the schedule runs (ms) */
  get lagMs(): number {
    return this.shift;
  }

  /** plays the schedule from `t0` (ms since the epoch); resolves when done or halted */
  async run(t0: number): Promise<void> {
    for (const c of this.changes) {
      // a halt while the last change was under way found no sleep to wake: see it here
      if (this.halted) return;
      const due = t0 + c.at + this.shift;
      if (due > Date.now()) await this.sleep(due - Date.now());
      if (this.halted) return;
      try {
        await c.act();
      } catch (e: unknown) {
        this.a.log(`nemesis: ${c.what}: ${(e as Error).message}`);
      }
      this.a.after?.(c.what);
      this.done++;
      this.lastAt = Date.now();
      const late = this.lastAt - due;
      if (late > this.lateMs) {
        this.shift += late;
        this.a.log(`nemesis: ${c.what} took effect ${(late / 1000).toFixed(1)} s late: later changes move ${(late / 1000).toFixed(1)} s (${(this.shift / 1000).toFixed(1)} s behind the plan)`);
      }
    }
  }

  /** no further change (the run is over); a change under way finishes */
  halt(): void {
    this.halted = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
