// Drives the Disk Paxos log over agents a test holds: one lane per (agent, disk node), each op
// widened by the agent's clock uncertainty as the run's recorder does, and what was recorded
// kept per agent, with the decide events, for the history-based checks.
import type { AgentClient } from '../../../agents';
import type { HistoryEvent } from '../../../harness/core';
import { BLOCK_BYTES, decodeBlock, type Block } from '../block';
import type { SnapshotBlock } from '../checks';
import { restartKey, slotKey } from '../history';
import { ownProcess } from '../../types';
import { runLog, type LogOutcome } from '../log';
import { DISK_REGION } from '../ops';

export { inputOf } from '../log';

export interface DriveOptions {
  processors: number;
  disks: number;
  slots: number;
  seed: number;
  /** the agent that posts processor p's ops to disk d, and the node that is disk d */
  route(p: number, d: number): { agent: AgentClient; peer: string };
  maxSteps?: number;
  firstSlot?: number;
  proposers?: number[];
  crash?: number;
  /** processor p's node restarts (see LogOptions); its restart events are recorded */
  nodeRestarts?(p: number): number;
  /** disk d's memory died: its ops fail, unposted, as a run's are */
  lost?(d: number): boolean;
}

export interface Driven extends LogOutcome {
  /** what was recorded: each agent's slices' events (widened as the recorder does), then the decide events */
  histories: HistoryEvent[][];
}

/** the process of processor p's decide events, as a run gives workload 0 (ownProcess) */
export const DECIDER_BASE = ownProcess(0, 0);

export async function driveLog(o: DriveOptions): Promise<Driven> {
  const routes = new Map<string, { agent: AgentClient; peer: string; disk: number }>();
  const histories = new Map<AgentClient, HistoryEvent[]>();
  const decisions: HistoryEvent[] = [];
  const ids = new Map<AgentClient, number>();
  let slice = 0;
  const out = await runLog({
    ...o,
    maxSteps: o.maxSteps ?? 5000,
    keepRecords: true,
    lane(p, d) {
      const r = o.route(p, d);
      // by the agent itself: fake agents may share a node name
      const id = ids.get(r.agent) ?? ids.set(r.agent, ids.size).get(r.agent)!;
      const lane = `${id}>${r.peer}`;
      const had = routes.get(lane);
      if (had && had.disk !== d) throw new Error(`route: disks ${had.disk} and ${d} both go to ${r.peer} through ${r.agent.node}`);
      routes.set(lane, { ...r, disk: d });
      return lane;
    },
    restarted(p) {
      const t = Number(process.hrtime.bigint());
      const e = { process: DECIDER_BASE + p, f: 'restart' as const, key: restartKey(p) };
      decisions.push({ type: 'invoke', ...e, time: t }, { type: 'ok', ...e, time: t });
    },
    async post(lane, ops) {
      const g = routes.get(lane)!;
      if (o.lost?.(g.disk)) {
        const t = Number(process.hrtime.bigint());
        return ops.map((op) => ({ done: { type: 'fail' as const, process: -1, f: op.f, key: op.key ?? '', time: t }, invoked: t, completed: t }));
      }
      const before = g.agent.history.length;
      await g.agent.runSlice({ slice: `dp${o.firstSlot ?? 1}-${slice++}`, peer: g.peer, policy: 'none', ops });
      // this slice's completions, in op order: its ops' keys (the agent may run slices toward
      // other disks meanwhile; a loopback's receives are not ours)
      const keys = new Set(ops.map((x) => x.key));
      const evs = g.agent.history.slice(before).filter((e: HistoryEvent) => e.f !== 'recv' && keys.has(String(e.key)));
      if (evs.length !== 2 * ops.length) throw new Error(`slice toward ${g.peer}: ${evs.length} events for ${ops.length} ops`);
      // widened by the clock-sync uncertainty, as the run's recorder does: an order between
      // two nodes' ops that the clocks cannot vouch for is not asserted
      const u = g.agent.clock.uncertaintyNs;
      const slack = Number.isFinite(u) ? Math.ceil(u) + 1_000_000 : 5_000_000;
      const h = histories.get(g.agent) ?? histories.set(g.agent, []).get(g.agent)!;
      h.push(...evs.map((e) => ({ ...e, time: e.type === 'invoke' ? Math.max(0, e.time! - slack) : e.time! + slack })));
      return ops.map((_, k) => {
        const inv = evs[2 * k]!;
        const done = evs[2 * k + 1]!;
        if (inv.type !== 'invoke' || done.type === 'invoke') throw new Error(`slice toward ${g.peer}: op ${k} is not an invoke and its completion`);
        return { done, invoked: inv.time! - slack, completed: done.time! + slack };
      });
    },
    decided(c) {
      const t = Number(process.hrtime.bigint());
      const d = { process: DECIDER_BASE + c.processor, f: 'decide' as const, key: slotKey(c.instance), value: c.value };
      decisions.push({ type: 'invoke', ...d, time: t }, { type: 'ok', ...d, time: t });
    },
  });
  return { ...out, histories: [...histories.values(), decisions] };
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
