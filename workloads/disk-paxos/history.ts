// Disk Paxos's records from a run's history, so the checks judge what was recorded, not what a
// driver remembers: block WRITEs and READs by their keys (disk, slot, owner) with the bytes
// they carried, `decide` events (key: the slot, value: the value, process: the decider's), and
// the final snapshot's reads of every block as the snapshot at the end.
import { bytesFromJson } from '../../agents';
import type { HistoryEvent, Json, OpStatus } from '../../harness/core';
import { decodeBlock } from './block';
import { incarnationAt, type DiskPaxosRecords, type DiskRead, type DiskWrite, type SnapshotBlock } from './checks';

const KEY = /^disk@(\d+):(\d+)\/(\d+)$/;
/** a block read at a fault boundary: its block key, then #label ("f1@start") */
const SNAP_KEY = /^(disk@\d+:\d+\/\d+)#(.+)$/;

/** a block's key in the snapshot taken at a fault boundary */
export const snapshotKey = (block: string, label: string): string => `${block}#${label}`;

/** a decide event's key for a slot */
export const slotKey = (slot: number): string => `slot@${slot}`;
/** the slot of a decide event's key */
export const slotOf = (key: string | number | undefined): number => Number(String(key).slice('slot@'.length));

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

/** an op with its outcome: the history's Operation, or an invoke and its completion paired */
export interface PairedOp {
  /** the op's id in the history, when it has one (violations name it) */
  id?: number;
  process: number;
  f: string;
  key?: string | number;
  value?: Json;
  result?: Json;
  status: OpStatus;
  callTime?: number;
  retTime?: number;
  /** a read of the final snapshot */
  final?: boolean;
}

/** each agent's history (a list each): invokes paired with their completions by process */
export function recordsFromHistory(histories: readonly (readonly HistoryEvent[])[], s: HistoryShape): DiskPaxosRecords {
  const ops: PairedOp[] = [];
  for (const h of histories) {
    const open = new Map<number | string, HistoryEvent>();
    for (const e of h) {
      if (e.type === 'invoke') {
        open.set(e.process, e);
        continue;
      }
      const inv = open.get(e.process);
      open.delete(e.process);
      ops.push({ process: e.process as number, f: e.f, key: e.key, value: e.value, result: e.result, status: e.type, callTime: inv?.time ?? e.time!, retTime: e.time!, ...(e.final ? { final: true } : {}) });
    }
  }
  return recordsFromOps(ops, s);
}

/** a processor's restart event's key */
export const restartKey = (p: number): string => `restart@${p}`;

/** when each processor's incarnations began: 0, then its restart events' times */
export function incarnationsOf(ops: readonly PairedOp[], processors: number): Map<number, number[]> {
  const out = new Map<number, number[]>(Array.from({ length: processors }, (_, i) => [i + 1, [0]]));
  const restarts = ops.filter((op) => op.f === 'restart' && op.status === 'ok').sort((a, b) => (a.callTime ?? 0) - (b.callTime ?? 0));
  for (const op of restarts) out.get(Number(String(op.key).slice('restart@'.length)))?.push(op.callTime ?? 0);
  return out;
}

export function recordsFromOps(ops: readonly PairedOp[], s: HistoryShape): DiskPaxosRecords {
  const writes: DiskWrite[] = [];
  const reads: DiskRead[] = [];
  const end: SnapshotBlock[] = [];
  const snapshots = new Map<string, SnapshotBlock[]>();
  const commits: DiskPaxosRecords['commits'][number][] = [];
  const problems: string[] = [];
  for (const op of ops) {
    const source = `${op.id !== undefined ? `op ${op.id}: ` : ''}${op.f} ${String(op.key)} (${op.status})`;
    const snap = SNAP_KEY.exec(String(op.key ?? ''));
    if (snap && op.f === 'read' && op.status === 'ok') {
      // read while the processors ran: a block caught mid-write fails its CRC and is left out
      const [, d, i, o] = KEY.exec(snap[1]!)!.map(Number) as [number, number, number, number];
      const b = bytesFromJson(op.result);
      const block = b && decodeBlock(b, i, o);
      if (typeof block === 'object') (snapshots.get(snap[2]!) ?? snapshots.set(snap[2]!, []).get(snap[2]!)!).push({ disk: d, instance: i, owner: o, block, source });
      continue;
    }
    if (op.f === 'decide') {
      if (op.status === 'ok') commits.push({ processor: s.processorOf(op.process), instance: slotOf(op.key), ballot: 0, value: Number(op.value), source });
      continue;
    }
    const m = KEY.exec(String(op.key ?? ''));
    if (!m || (op.f !== 'write' && op.f !== 'read')) continue;
    const [disk, instance, owner] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (op.f === 'write') {
      const b = bytesFromJson(op.value);
      const block = b && decodeBlock(b, instance, owner);
      if (typeof block !== 'object') {
        problems.push(`${source}: its payload is no block of that slot (${String(block)})`);
        continue;
      }
      // an unknown outcome may still have landed: it is a write, never acknowledged
      writes.push({ owner, disk, instance, block, incarnation: incarnationAt(s.incarnations, owner, op.callTime ?? 0), ...(op.status === 'ok' ? { acked: op.retTime ?? 0 } : {}), source });
    } else if (op.status === 'ok') {
      const b = bytesFromJson(op.result);
      const block = b && decodeBlock(b, instance, owner);
      if (block === 'torn') continue; // read again by the processor; nothing to judge
      if (typeof block !== 'object') {
        problems.push(`${source}: it read no block of that slot (${String(block)})`);
        continue;
      }
      if (op.final) end.push({ disk, instance, owner, block, source });
      else reads.push({ owner, disk, instance, block, invoked: op.callTime ?? 0, completed: op.retTime ?? op.callTime ?? 0, source });
    }
  }
  if (problems.length) throw new Error(`disk-paxos history: ${problems.length} op(s) out of shape, first: ${problems[0]}`);
  return { processors: s.processors, disks: s.disks, inputs: s.inputs, commits, writes, reads, incarnations: s.incarnations ?? new Map(), snapshots: end.length ? snapshots.set('end', end) : snapshots };
}
