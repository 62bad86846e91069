// Drives Disk Paxos processors over real agents: each step a seeded subset of the processors
// moves (so dueling ballots settle), their disk ops go out as one slice per (agent, disk node),
// the completions come back decoded, and what happened is kept as the checks' records.
import type { AgentClient, OpDescriptor } from '../../../agents';
import { mulberry32, type HistoryEvent } from '../../../harness/core';
import { BLOCK_BYTES, decodeBlock, type Block } from '../block';
import type { DiskPaxosRecords, DiskRead, DiskWrite, SnapshotBlock } from '../checks';
import { DISK_REGION, blockKey, toAgentOp, toDiskResult } from '../ops';
import { slotKey } from '../history';
import { Processor, type DiskOp } from '../processor';

export interface DriveOptions {
  processors: number;
  disks: number;
  slots: number;
  seed: number;
  /** the agent that posts processor p's ops to disk d, and the node that is disk d */
  route(p: number, d: number): { agent: AgentClient; peer: string };
  maxSteps?: number;
  /** the first slot (default 1); slots run firstSlot .. firstSlot + slots - 1 */
  firstSlot?: number;
  /** the processors that propose (default all); the others stay idle, their blocks empty */
  proposers?: number[];
  /** per step: a processor mid-slot crashes (its state and unposted ops are gone) and restarts */
  crash?: number;
}

export interface Driven extends DiskPaxosRecords {
  /** per commit: ms from the processor's start of the slot to its commit */
  commitMs: number[];
  steps: number;
  /** what was recorded: each agent's slices' events (widened as the recorder does), then the decide events */
  histories: HistoryEvent[][];
}

/** the process of processor p's decide events */
export const DECIDER_BASE = 9_000_000;

export const inputOf = (p: number, slot: number): number => p * 1000 + slot;

export async function driveLog(o: DriveOptions): Promise<Driven> {
  const P = o.processors;
  const rnd = mulberry32(o.seed);
  const procs = Array.from({ length: P }, (_, i) => new Processor({ id: i + 1, processors: P, disks: o.disks, input: (s) => inputOf(i + 1, s) }));
  const incarnations = new Map<number, number[]>(procs.map((_, i) => [i + 1, [0]]));
  const began = procs.map(() => Date.now());
  const active = o.proposers ?? procs.map((_, i) => i + 1);
  const first = o.firstSlot ?? 1;
  const last = first + o.slots - 1;
  const pending = procs.map((p, i) => (active.includes(i + 1) ? p.begin(first) : []));
  const writes: DiskWrite[] = [];
  const reads: DiskRead[] = [];
  const commits: Driven['commits'][number][] = [];
  const commitMs: number[] = [];
  let slice = 0;
  let step = 0;
  const agentsSeen: AgentClient[] = [];
  const histories: HistoryEvent[][] = [];
  const decisions: HistoryEvent[] = [];
  const historyOf = (a: AgentClient): HistoryEvent[] => {
    let k = agentsSeen.indexOf(a);
    if (k < 0) {
      k = agentsSeen.push(a) - 1;
      histories.push([]);
    }
    return histories[k]!;
  };
  for (; step < (o.maxSteps ?? 5000) && commits.length < active.length * o.slots; step++) {
    if (rnd() < (o.crash ?? 0)) {
      const i = Math.floor(rnd() * P);
      const old = procs[i]!;
      if (old.stage !== 'committed' && old.stage !== 'idle') {
        // between steps nothing is in flight: what it had posted completed, its results reach nobody
        const fresh = new Processor(old.o);
        fresh.instance = old.instance;
        procs[i] = fresh;
        incarnations.get(i + 1)!.push(Number(process.hrtime.bigint()));
        pending[i] = fresh.restart();
        continue;
      }
    }
    const movers = procs.map((_, i) => i).filter((i) => pending[i]!.length > 0 && rnd() < 0.6);
    // one slice per (agent, peer): an agent runs one slice toward a peer at a time
    const groups: { agent: AgentClient; peer: string; disk: number; items: { p: number; op: DiskOp }[] }[] = [];
    for (const i of movers) {
      for (const op of pending[i]!.splice(0)) {
        const r = o.route(i + 1, op.disk);
        let g = groups.find((x) => x.agent === r.agent && x.peer === r.peer);
        if (!g) groups.push((g = { ...r, disk: op.disk, items: [] }));
        if (g.disk !== op.disk) throw new Error(`route: disks ${g.disk} and ${op.disk} both go to ${r.peer} through ${r.agent.node}`);
        g.items.push({ p: i, op });
      }
    }
    const results = await Promise.all(
      groups.map(async (g) => {
        const before = g.agent.history.length;
        await g.agent.runSlice({ slice: `dp${first}-${slice++}`, peer: g.peer, policy: 'none', ops: g.items.map((b): OpDescriptor => toAgentOp(b.op, P)) });
        // this slice's completions, in op order: its disk's keys (the agent may run slices
        // toward other disks meanwhile; a loopback's receives are not ours)
        const mine = blockKey(g.disk, 0, 0).split(':')[0] + ':';
        const evs = g.agent.history.slice(before).filter((e: HistoryEvent) => e.f !== 'recv' && String(e.key).startsWith(mine));
        if (evs.length !== 2 * g.items.length) throw new Error(`slice toward ${g.peer}: ${evs.length} events for ${g.items.length} ops`);
        // widened by the clock-sync uncertainty, as the run's recorder does: an order between
        // two nodes' ops that the clocks cannot vouch for is not asserted
        const u = g.agent.clock.uncertaintyNs;
        const slack = Number.isFinite(u) ? Math.ceil(u) + 1_000_000 : 5_000_000;
        historyOf(g.agent).push(...evs.map((e) => ({ ...e, time: e.type === 'invoke' ? Math.max(0, e.time! - slack) : e.time! + slack })));
        return g.items.map((b, k) => {
          const inv = evs[2 * k]!;
          const done = evs[2 * k + 1]!;
          if (inv.type !== 'invoke' || done.type === 'invoke') throw new Error(`slice toward ${g.peer}: op ${k} is not an invoke and its completion`);
          return { ...b, done, invoked: inv.time! - slack, completed: done.time! + slack };
        });
      }),
    );
    for (const { p, op, done, invoked, completed } of results.flat()) {
      const r = toDiskResult(op, done);
      const source = `${String(done.key)} (${done.type})`;
      if (op.kind === 'write') writes.push({ owner: op.owner, disk: op.disk, instance: op.instance, block: op.block, incarnation: incarnations.get(op.owner)!.length - 1, ...(r.status === 'ok' ? { acked: completed } : {}), source });
      else if (r.status === 'ok' && r.block !== 'torn') reads.push({ owner: op.owner, disk: op.disk, instance: op.instance, block: r.block!, invoked, source });
      const proc = procs[p]!;
      pending[p]!.push(...proc.onResult(r));
      if (proc.committed && proc.stage === 'committed') {
        commits.push({ processor: p + 1, instance: proc.instance, ballot: proc.committed.ballot, value: proc.committed.value, source: `processor ${p + 1}` });
        const t = Number(process.hrtime.bigint());
        const d = { process: DECIDER_BASE + p + 1, f: 'decide' as const, key: slotKey(proc.instance), value: proc.committed.value };
        decisions.push({ type: 'invoke', ...d, time: t }, { type: 'ok', ...d, time: t });
        commitMs.push(Date.now() - began[p]!);
        began[p] = Date.now();
        if (proc.instance < last) pending[p]!.push(...proc.begin(proc.instance + 1));
        else proc.stage = 'idle';
      }
    }
  }
  const inputs = active.flatMap((p) => Array.from({ length: o.slots }, (_, s) => ({ processor: p, instance: first + s, value: inputOf(p, first + s) })));
  return { processors: P, disks: o.disks, inputs, commits, writes, reads, incarnations, snapshots: new Map(), commitMs, steps: step, histories: [...histories, decisions] };
}

/** every block of every disk, decoded; a block that does not decode throws */
export async function diskSnapshot(disks: readonly AgentClient[], processors: number, slots: number): Promise<SnapshotBlock[]> {
  const out: SnapshotBlock[] = [];
  for (let d = 0; d < disks.length; d++) {
    const mem = await disks[d]!.readMemory(DISK_REGION, 0, slots * processors * BLOCK_BYTES);
    for (let slot = 1; slot <= slots; slot++) {
      for (let owner = 1; owner <= processors; owner++) {
        const at = ((slot - 1) * processors + owner - 1) * BLOCK_BYTES;
        const b = decodeBlock(mem.subarray(at, at + BLOCK_BYTES), slot, owner);
        if (typeof b !== 'object') throw new Error(`disk ${d + 1}, slot ${slot}, processor ${owner}: ${b}`);
        out.push({ disk: d + 1, instance: slot, owner, block: b as Block });
      }
    }
  }
  return out;
}

/** how many distinct values each decided slot got, in slot order (Consistent: all 1) */
export function valuesPerSlot(r: Pick<Driven, 'commits'>): number[] {
  const values = new Map<number, Set<number>>();
  for (const c of r.commits) (values.get(c.instance) ?? values.set(c.instance, new Set()).get(c.instance)!).add(c.value);
  return [...values.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v.size);
}
