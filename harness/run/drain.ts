// The drain stage: every fault healed, a last counter sample, the receives in flight settled,
// then the final snapshot of the workloads' memory recorded (the at-most-once checker's ground
// truth). A broken testbed or a dead target still gets results: the snapshot is then skipped
// with a note, and the verdict comes from what is known.
import type { AgentClient } from '../../agents';
import type { RunPlan } from '../campaign';
import type { Nemesis } from './nemesis';
import type { Recorder } from './record';
import { finalSnapshot } from './snapshot';

export interface DrainInput {
  plan: RunPlan;
  agents: ReadonlyMap<string, AgentClient>;
  nemesis: Nemesis;
  rec: Recorder;
  now(): number;
  /** the run cannot expect a snapshot: the testbed broke, or the run was stopped */
  degraded(): boolean;
}

export interface DrainOutcome {
  /** every fault record reads NotInjected */
  clean: boolean;
  notes: string[];
}

/** receives in flight settle this long before the receivers count as drained */
const SETTLE_MS = 1000;

export async function drainStage(i: DrainInput): Promise<DrainOutcome> {
  const notes: string[] = [];
  await i.nemesis.healAll();
  await i.rec.sampleCounters(i.agents.values());
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  try {
    i.rec.record(await finalSnapshot(i.plan, i.agents, i.rec.touched, i.now));
  } catch (e: unknown) {
    if (!i.degraded()) throw e;
    notes.push(`no final snapshot: ${(e as Error).message}`);
  }
  return { clean: i.nemesis.records().every((f) => f.phase === 'NotInjected'), notes };
}
