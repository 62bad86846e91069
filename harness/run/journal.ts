// Controller-side faults (a cable pull, a paused agent, a crashed node) have no agent lease to
// heal them when the controller dies. So the nemesis writes each one into the cluster's fault
// journal before applying it and takes it out once recovered; whatever runs next on the
// cluster (`run`, `cluster up`, `cluster heal`) recovers what is still listed, and says so.
// The file is rewritten whole (write-file-atomic) at each change: a kill leaves the old or the
// new list, never half of one.
import * as fs from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { faultPackage, type FaultTarget } from '../../faults';
import { InfraError, type ControllerOps, type NodeDriver, type RailAddr, type TargetInfo } from '../core';

const Entry = z.object({
  id: z.string(),
  kind: z.string(),
  target: z.string(),
  params: z.record(z.string(), z.unknown()),
  /** the run that applied it, for the message */
  run: z.string(),
  at: z.string(),
  /** the agent's pid when the fault acts on it (pause) */
  agentPid: z.number().int().optional(),
});
export type JournalEntry = z.infer<typeof Entry>;
const Journal = z.object({ faults: z.array(Entry) });

export class FaultJournal {
  constructor(readonly file: string) {}

  entries(): JournalEntry[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    const j = Journal.safeParse(safeJson(text));
    // an unreadable journal is the testbed's trouble, not the campaign's
    if (!j.success) throw new InfraError('cluster.badJournal', `${this.file}: not a fault journal; check it, or run rdma-chaos cluster down`);
    return j.data.faults;
  }

  /** before applying: from here on a crash leaves it listed */
  add(e: JournalEntry): void {
    this.write([...this.entries().filter((x) => x.id !== e.id || x.target !== e.target), e]);
  }

  /** after a recovery that succeeded */
  remove(id: string, target: string): void {
    const left = this.entries().filter((x) => x.id !== id || x.target !== target);
    if (left.length === 0) fs.rmSync(this.file, { force: true });
    else this.write(left);
  }

  private write(faults: JournalEntry[]): void {
    writeFileAtomic.sync(this.file, JSON.stringify({ faults }, null, 1) + '\n');
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export interface HealDeps {
  driver: NodeDriver;
  /** the controller powers over the driver (restart, cable) */
  ops: (agentPid: (node: string) => number | undefined) => ControllerOps;
  say(line: string): void;
}

/**
 * Recover every fault the journal still lists: left by a controller that died mid-run. Each is
 * recovered through its own package, as the nemesis would have; one that cannot be recovered
 * is an infrastructure fault (exit 2): the cluster is not fit for a run.
 */
export async function healLeftovers(journal: FaultJournal, d: HealDeps): Promise<string[]> {
  const left = journal.entries();
  if (left.length === 0) return [];
  const runs = [...new Set(left.map((e) => e.run))].join(', ');
  d.say(`healing ${left.length} fault(s) left in effect by an interrupted run (${runs}): ${left.map((e) => `${e.id} (${e.kind} on ${e.target})`).join(', ')}`);
  const nodes = await d.driver.list();
  const healed: string[] = [];
  for (const e of left) {
    const n = nodes.find((x) => x.name === e.target);
    const rails: RailAddr[] = (n?.rails ?? []).map((r) => ({ rail: r.index, netdev: r.netdev, ip: r.address.split('/')[0]!, ...(r.rdmaDevice ? { device: r.rdmaDevice } : {}) }));
    const info: TargetInfo = { node: e.target, rails, peers: [] };
    const pkg = faultPackage(e.kind);
    const t: FaultTarget = {
      id: e.id,
      info,
      seed: 0,
      ops: d.ops((node) => (node === e.target ? e.agentPid : undefined)),
      // controller-side faults only are journaled: they have no rules in an agent
      rules: { install: () => Promise.resolve(), remove: () => Promise.resolve() },
      // a heal after a crash: its evidence went with the run that died
      observe: () => undefined,
      tookEffect: () => undefined,
    };
    try {
      await pkg.recover(t, pkg.params.parse(e.params));
    } catch (err: unknown) {
      throw new InfraError('cluster.healFailed', `could not heal ${e.id} (${e.kind} on ${e.target}) left by ${e.run}: ${(err as Error).message}; rdma-chaos cluster down cleans everything`);
    }
    journal.remove(e.id, e.target);
    healed.push(e.id);
    d.say(`healed ${e.id} (${e.kind} on ${e.target})`);
  }
  return healed;
}
