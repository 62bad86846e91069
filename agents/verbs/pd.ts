// ProtectionDomain: registers memory and creates RC queue pairs.
import { loadBinding } from './binding';
import type { CompletionQueue } from './cq';
import type { Device } from './device';
import { MemoryRegion } from './mr';
import type { NativePd } from './native';
import { accessFlags, type AccessName } from './opcodes';
import { QueuePair, type QpCaps } from './qp';
import { checkInt } from './validate';

export const DEFAULT_ACCESS: readonly AccessName[] = ['localWrite', 'remoteWrite', 'remoteRead', 'remoteAtomic'];

export class ProtectionDomain {
  /** @internal */
  readonly native: NativePd;
  readonly device: Device;

  constructor(native: NativePd, device: Device) {
    this.native = native;
    this.device = device;
  }

  /** Register `buffer` (8-byte aligned; see allocAligned) with the given remote rights. */
  registerMemory(buffer: Buffer, access: readonly AccessName[] = DEFAULT_ACCESS): MemoryRegion {
    if (!Buffer.isBuffer(buffer)) throw new TypeError('registerMemory(buffer): buffer must be a Buffer');
    if (buffer.length === 0) throw new TypeError('registerMemory(buffer): buffer must not be empty');
    const flags = accessFlags(access);
    // remote write/atomic access requires local write access (verbs rule)
    const needsLocal = flags & 0b1010;
    const b = loadBinding();
    return new MemoryRegion(new b.MemoryRegion(this.native, buffer, needsLocal ? flags | 1 : flags), buffer, this);
  }

  createQp(sendCq: CompletionQueue, recvCq: CompletionQueue, caps: Partial<QpCaps> = {}): QueuePair {
    const c: QpCaps = {
      maxSendWr: checkInt('maxSendWr', caps.maxSendWr ?? 256, 1, 1 << 16),
      maxRecvWr: checkInt('maxRecvWr', caps.maxRecvWr ?? 256, 1, 1 << 16),
      maxSendSge: checkInt('maxSendSge', caps.maxSendSge ?? 1, 1, 32),
      maxRecvSge: checkInt('maxRecvSge', caps.maxRecvSge ?? 1, 1, 32),
      maxInlineData: checkInt('maxInlineData', caps.maxInlineData ?? 0, 0, 4096),
    };
    const b = loadBinding();
    return new QueuePair(new b.QueuePair(this.native, sendCq.native, recvCq.native, c), sendCq, recvCq, this, c);
  }

  close(): void {
    this.native.close();
  }
}

/** A zeroed, page-aligned Buffer: its 8-byte words are valid atomic targets. */
export function allocAligned(size: number): Buffer {
  checkInt('size', size, 1, 0x7fffffff);
  return loadBinding().allocAligned(size);
}
