// One RC QP toward a peer on one rail, with its CQs and scratch memory: op slots for batches,
// then the receive buffers, which are kept posted and re-posted as messages arrive.
import { randomInt } from 'node:crypto';
import { ChaosError, ExitCode } from '../../harness/core';
import type { Completion, CompletionQueue, MemoryRegion, QpSettings, QueuePair } from '../verbs';
import { allocAligned } from '../verbs';
import type { Rail } from './state';

/**
 * shift's handshake request: SEND_WITH_IMM(SYNC_IMM_BASE + abandoned rail), payload = nonce.
 * The 16 immediates from SYNC_IMM_BASE ('SYN\0'..) are reserved: never data messages.
 */
export const SYNC_IMM_BASE = 0x53594e00;
export function isSyncImm(imm: number | undefined): imm is number {
  return imm !== undefined && imm >= SYNC_IMM_BASE && imm < SYNC_IMM_BASE + 16;
}

export interface RemoteRegion {
  addr: bigint;
  rkey: number;
  size: number;
}

export interface RemoteCtl {
  addr: bigint;
  rkey: number;
  offset: number;
}

export interface RecvHandler {
  /** successful receives and flushes, in completion order */
  onRecv(conn: Connection, wcs: Completion[]): void;
}

export interface ConnectionOptions {
  id: string;
  peer: string;
  rail: Rail;
  sendDepth: number;
  recvDepth: number;
  slotSize: number;
  /** receives are recorded with their bytes */
  recvBytes?: boolean;
}

export class Connection {
  readonly id: string;
  readonly peer: string;
  readonly rail: Rail;
  readonly sendDepth: number;
  readonly recvDepth: number;
  readonly slotSize: number;
  readonly recvBytes: boolean;
  readonly psn: number;
  readonly qp: QueuePair;
  readonly sendCq: CompletionQueue;
  readonly recvCq: CompletionQueue;
  /** op slots [0, sendDepth * slotSize), then receive buffers */
  readonly scratch: MemoryRegion;
  readonly recvOffset: number;
  /** per receive slot: when it was posted (its recv op's invocation) and its history process */
  readonly recvPostNs: BigUint64Array;
  readonly recvProcess: Uint32Array;
  state: 'created' | 'connected' | 'broken' = 'created';
  mtu = 1024;
  remoteRegions = new Map<string, RemoteRegion>();
  remoteCtl: RemoteCtl | undefined;
  remoteQpn = 0;

  constructor(o: ConnectionOptions) {
    this.id = o.id;
    this.peer = o.peer;
    this.rail = o.rail;
    this.sendDepth = o.sendDepth;
    this.recvDepth = o.recvDepth;
    this.slotSize = o.slotSize;
    this.recvBytes = o.recvBytes === true;
    this.psn = randomInt(0, 0x1000000);
    const dev = o.rail.device;
    this.sendCq = dev.createCq(o.sendDepth + 16);
    this.recvCq = dev.createCq(Math.max(o.recvDepth, 1) + 16);
    this.qp = o.rail.pd.createQp(this.sendCq, this.recvCq, { maxSendWr: o.sendDepth, maxRecvWr: Math.max(o.recvDepth, 1) });
    this.recvOffset = o.sendDepth * o.slotSize;
    const buf = allocAligned(this.recvOffset + o.recvDepth * o.slotSize);
    this.scratch = o.rail.pd.registerMemory(buf, ['localWrite']);
    this.recvPostNs = new BigUint64Array(o.recvDepth);
    this.recvProcess = new Uint32Array(o.recvDepth);
  }

  /** INIT -> RTR -> RTS, then keep every receive buffer posted. */
  connect(remote: { qpn: number; psn: number; gid: string }, settings: Partial<QpSettings>, recv: RecvHandler, processBase: number): void {
    const gid = this.rail.gid;
    if (!gid) throw new ChaosError('agent.noGid', `rail ${this.rail.rail} (${this.rail.device.name}) has no GID`, ExitCode.badInput);
    this.qp.connect({ psn: this.psn, sgidIndex: gid.index }, remote, settings);
    this.mtu = settings.pathMtu ?? 1024;
    this.remoteQpn = remote.qpn;
    this.state = 'connected';
    if (this.recvDepth > 0) {
      for (let s = 0; s < this.recvDepth; s++) this.recvProcess[s] = processBase + s;
      this.recvCq.onCompletions((wcs) => recv.onRecv(this, wcs));
      this.postRecvs([...Array(this.recvDepth).keys()]);
    }
  }

  postRecvs(slots: readonly number[]): void {
    if (slots.length === 0 || this.state !== 'connected') return;
    const now = process.hrtime.bigint();
    for (const s of slots) this.recvPostNs[s] = now;
    this.qp.postRecv(slots.map((s) => ({ wrId: BigInt(s), local: { mr: this.scratch, offset: this.recvOffset + s * this.slotSize, length: this.slotSize } })));
  }

  /** the first 8 bytes a receive slot got */
  recvValue(slot: number, byteLen: number): bigint {
    const off = this.recvOffset + slot * this.slotSize;
    if (byteLen >= 8) return this.scratch.buffer.readBigUInt64LE(off);
    let v = 0n;
    for (let b = byteLen - 1; b >= 0; b--) v = (v << 8n) | BigInt(this.scratch.buffer[off + b]!);
    return v;
  }

  /** a copy of the bytes a receive slot got */
  recvData(slot: number, byteLen: number): Uint8Array {
    const off = this.recvOffset + slot * this.slotSize;
    return Uint8Array.from(this.scratch.buffer.subarray(off, off + Math.min(byteLen, this.slotSize)));
  }

  /** QP state as the device sees it; a QP that left RTS is broken for good */
  refreshState(): string {
    const s = this.qp.query().state;
    if (s !== 'RTS' && this.state === 'connected') this.state = 'broken';
    return s;
  }

  close(): void {
    try {
      this.recvCq.stop();
    } catch {
      /* not in event mode */
    }
    this.qp.close();
    this.scratch.close();
    this.sendCq.close();
    this.recvCq.close();
  }
}
