// Disk Paxos's records from a run's history, so the checks judge what was recorded, not what a
// driver remembers: block WRITEs and READs by their keys (disk, slot, owner) with the bytes
// they carried, and `decide` events (key: the slot, value: the value, process: the decider's).
// Each list is one agent's history: an op's invoke and completion are paired by process there.
import { bytesFromJson } from '../../agents';
import type { HistoryEvent } from '../../harness/core';
import { decodeBlock } from './block';
import { incarnationAt, type DiskPaxosRecords, type DiskRead, type DiskWrite } from './checks';

const KEY = /^disk(\d+):(\d+)\/(\d+)$/;

/** a decide event's key for a slot */
export const slotKey = (slot: number): string => `slot:${slot}`;

export interface HistoryShape {
  processors: number;
  disks: number;
  /** the decider of a decide event, from its process */
  processorOf(process: number): number;
  /** what the processors proposed */
  inputs: DiskPaxosRecords['inputs'];
  /** when each processor's incarnations began (from the run's crash faults); default: one each */
  incarnations?: DiskPaxosRecords['incarnations'];
}

export function recordsFromHistory(histories: readonly (readonly HistoryEvent[])[], s: HistoryShape): DiskPaxosRecords {
  const writes: DiskWrite[] = [];
  const reads: DiskRead[] = [];
  const commits: DiskPaxosRecords['commits'][number][] = [];
  const problems: string[] = [];
  histories.forEach((h, hi) => {
    const open = new Map<number | string, HistoryEvent>();
    for (const e of h) {
      if (e.type === 'invoke') {
        open.set(e.process, e);
        continue;
      }
      const inv = open.get(e.process);
      open.delete(e.process);
      const source = `history ${hi + 1}: ${e.f} ${String(e.key)} (${e.type})`;
      if (e.f === 'decide') {
        const slot = Number(String(e.key).slice('slot:'.length));
        if (e.type === 'ok') commits.push({ processor: s.processorOf(e.process as number), instance: slot, ballot: 0, value: Number(e.value), source });
        continue;
      }
      const m = KEY.exec(String(e.key ?? ''));
      if (!m || (e.f !== 'write' && e.f !== 'read')) continue;
      const [disk, instance, owner] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (e.f === 'write') {
        const b = bytesFromJson(e.value);
        const block = b && decodeBlock(b, instance, owner);
        if (typeof block !== 'object') {
          problems.push(`${source}: its payload is no block of that slot (${String(block)})`);
          continue;
        }
        // an unknown outcome may still have landed: it is a write, never acknowledged
        writes.push({ owner, disk, instance, block, incarnation: incarnationAt(s.incarnations, owner, inv?.time ?? e.time!), ...(e.type === 'ok' ? { acked: e.time! } : {}), source });
      } else if (e.type === 'ok') {
        const b = bytesFromJson(e.result);
        const block = b && decodeBlock(b, instance, owner);
        if (block === 'torn') continue; // read again by the processor; nothing to judge
        if (typeof block !== 'object') {
          problems.push(`${source}: it read no block of that slot (${String(block)})`);
          continue;
        }
        reads.push({ owner, disk, instance, block, invoked: inv?.time ?? e.time!, source });
      }
    }
  });
  if (problems.length) throw new Error(`disk-paxos history: ${problems.length} op(s) out of shape, first: ${problems[0]}`);
  return { processors: s.processors, disks: s.disks, inputs: s.inputs, commits, writes, reads, incarnations: s.incarnations ?? new Map(), snapshots: new Map() };
}
