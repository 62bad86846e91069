// A processor's disk ops as agent ops, and their completions back as its results. A block WRITE
// is one 32-byte RDMA WRITE whose payload is the encoded block (so a failover replay re-delivers
// the whole stale block, as §4.1 has it, never half of one); a block READ is one 32-byte READ
// that hands its bytes back, decoded against the CRC ('torn' goes back to the processor, which
// reads again).
import { bytesFromJson, type OpDescriptor } from '../../agents';
import type { HistoryEvent } from '../../harness/core';
import { BLOCK_BYTES, blockOffset, decodeBlock, encodeBlock } from './block';
import type { DiskOp, DiskResult } from './processor';

/** the registered region that is the disk on each memory node */
export const DISK_REGION = 'disk';

/** the history key of a block: disk, slot and owner (one key per block, so reads meet the writes they race) */
export function blockKey(disk: number, instance: number, owner: number): string {
  return `disk@${disk}:${instance}/${owner}`;
}

export function toAgentOp(op: DiskOp, processors: number): OpDescriptor {
  const where = { region: DISK_REGION, offset: blockOffset(op.instance, op.owner, processors), key: blockKey(op.disk, op.instance, op.owner) };
  if (op.kind === 'write') return { f: 'write', ...where, data: encodeBlock(op.block, op.instance, op.owner) };
  return { f: 'read', ...where, len: BLOCK_BYTES, data: true };
}

/**
 * The processor's result for `op` from its completion event: ok with the block (or 'torn'), or
 * fail / info as the agent judged it. A read whose bytes name another slot's owner is a bug
 * in the layout, not a torn read: it throws.
 */
export function toDiskResult(op: DiskOp, done: Pick<HistoryEvent, 'type' | 'result'>): DiskResult {
  if (done.type === 'invoke') throw new TypeError(`disk-paxos: a completion was expected for ${blockKey(op.disk, op.instance, op.owner)}, got an invoke`);
  if (done.type !== 'ok') return { op, status: done.type };
  if (op.kind === 'write') return { op, status: 'ok' };
  const bytes = bytesFromJson(done.result);
  if (bytes === undefined) throw new TypeError(`disk-paxos: the read of ${blockKey(op.disk, op.instance, op.owner)} came back without its bytes`);
  const block = decodeBlock(bytes, op.instance, op.owner);
  if (typeof block === 'string' && block !== 'torn') throw new TypeError(`disk-paxos: ${blockKey(op.disk, op.instance, op.owner)}: ${block}`);
  return { op, status: 'ok', block };
}
