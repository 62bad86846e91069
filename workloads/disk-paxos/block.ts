// A Disk Paxos block {mbal, bal, inp} in 32 bytes of a memory node's registered region.
// RDMA makes only 8-byte accesses atomic, so a READ racing a WRITE of the same block can return
// half of each. The block carries a CRC-32 (zlib's, over its bytes and the slot it belongs to);
// a read whose CRC does not match is torn and is read again. An all-zero block is one never
// written: the initial {0, 0, 0}.
import { crc32 } from 'node:zlib';

export interface Block {
  mbal: number;
  bal: number;
  /** the value; 0 is "no value" (inputs are never 0) */
  inp: number;
}

export const BLOCK_BYTES = 32;
export const EMPTY_BLOCK: Block = { mbal: 0, bal: 0, inp: 0 };

/** where processor `owner`'s block of `instance` sits in a disk region (both from 1) */
export function blockOffset(instance: number, owner: number, processors: number): number {
  return ((instance - 1) * processors + (owner - 1)) * BLOCK_BYTES;
}

/** log slots a region of `bytes` holds for `processors` */
export function instancesIn(bytes: number, processors: number): number {
  return Math.floor(bytes / (BLOCK_BYTES * processors));
}

function sum(b: Buffer, instance: number): number {
  const slot = Buffer.alloc(4);
  slot.writeUInt32LE(instance >>> 0, 0);
  return crc32(b.subarray(0, 28), crc32(slot));
}

export function encodeBlock(k: Block, instance: number, owner: number): Buffer {
  const b = Buffer.alloc(BLOCK_BYTES);
  b.writeBigUInt64LE(BigInt(k.mbal), 0);
  b.writeBigUInt64LE(BigInt(k.bal), 8);
  b.writeBigUInt64LE(BigInt(k.inp), 16);
  b.writeUInt16LE(owner, 24);
  b.writeUInt32LE(sum(b, instance), 28);
  return b;
}

/**
 * The block in 32 bytes read from `owner`'s slot of `instance`: a Block, or 'torn' when its
 * CRC does not match (read it again), or a sentence when it is somebody else's block.
 */
export function decodeBlock(b: Buffer, instance: number, owner: number): Block | 'torn' | string {
  if (b.length !== BLOCK_BYTES) return `${b.length} bytes, a block has ${BLOCK_BYTES}`;
  if (b.every((x) => x === 0)) return EMPTY_BLOCK;
  if (b.readUInt32LE(28) !== sum(b, instance)) return 'torn';
  const who = b.readUInt16LE(24);
  if (who !== owner) return `the block of processor ${who}, read from processor ${owner}'s slot`;
  return { mbal: Number(b.readBigUInt64LE(0)), bal: Number(b.readBigUInt64LE(8)), inp: Number(b.readBigUInt64LE(16)) };
}
