// MemoryRegion: a registered Buffer. `addr` and `rkey` are what a peer needs to reach it.
import type { NativeMr } from './native';
import type { ProtectionDomain } from './pd';

export class MemoryRegion {
  /** @internal */
  readonly native: NativeMr;
  readonly buffer: Buffer;
  readonly pd: ProtectionDomain;

  constructor(native: NativeMr, buffer: Buffer, pd: ProtectionDomain) {
    this.native = native;
    this.buffer = buffer;
    this.pd = pd;
  }

  get lkey(): number {
    return this.native.lkey;
  }
  get rkey(): number {
    return this.native.rkey;
  }
  /** virtual address of buffer[0] on this node (64-bit) */
  get addr(): bigint {
    return this.native.addr;
  }
  get length(): number {
    return this.native.length;
  }

  /** the 64-bit word at `offset`, as the local CPU (and RDMA atomics) see it */
  readU64(offset: number): bigint {
    return this.buffer.readBigUInt64LE(offset);
  }

  writeU64(offset: number, v: bigint): void {
    this.buffer.writeBigUInt64LE(v, offset);
  }

  close(): void {
    this.native.close();
  }
}
