// The shape of the native module (agents/native) and of its fake twin (verbs/fake). Only the
// wrappers in this directory talk to it; everything else uses the validated classes.

export interface NativeConstants {
  ACCESS_LOCAL_WRITE: number;
  ACCESS_REMOTE_WRITE: number;
  ACCESS_REMOTE_READ: number;
  ACCESS_REMOTE_ATOMIC: number;
  OP_WRITE: number;
  OP_WRITE_IMM: number;
  OP_READ: number;
  OP_FETCH_ADD: number;
  OP_CMP_SWAP: number;
  OP_SEND: number;
  OP_SEND_IMM: number;
  BATCH_NOT_POSTED: number;
  BATCH_POST_FAILED: number;
  BATCH_TIMED_OUT: number;
  BATCH_ABORTED: number;
  FLAG_BARRIER: number;
  FLAG_FENCE: number;
}

export interface NativeDeviceSummary {
  name: string;
  guid: string;
}

export interface NativePortAttr {
  state: string;
  physState: number;
  maxMtu: number;
  activeMtu: number;
  gidTblLen: number;
  lid: number;
  linkLayer: 'Ethernet' | 'InfiniBand';
}

export interface NativeGidEntry {
  index: number;
  gid: string;
  type: 'RoCEv2' | 'RoCEv1' | 'IB';
}

export interface NativeDeviceAttr {
  fwVer: string;
  physPortCnt: number;
  maxQp: number;
  maxQpWr: number;
  maxSge: number;
  maxCq: number;
  maxCqe: number;
  maxMr: number;
  maxQpRdAtom: number;
  maxQpInitRdAtom: number;
  atomicCap: 'NONE' | 'HCA' | 'GLOB';
}

export interface NativeAsyncEvent {
  type: string;
  device: string;
  port?: number;
  qpn?: number;
  timeNs: bigint;
}

export interface NativeCompletion {
  wrId: bigint;
  status: string;
  statusCode: number;
  opcode: string;
  byteLen: number;
  imm?: number;
  qpn: number;
  srcQp: number;
  vendorErr: number;
  timeNs: bigint;
}

export interface NativeContext {
  readonly name: string;
  queryDevice(): NativeDeviceAttr;
  queryPort(port: number): NativePortAttr;
  queryGid(port: number, index: number): NativeGidEntry | null;
  /** every populated GID entry of every port */
  queryGidTable(): Array<NativeGidEntry & { port: number }>;
  startAsyncEvents(cb: (e: NativeAsyncEvent) => void): void;
  stopAsyncEvents(): void;
  close(): void;
}

export type NativePd = { close(): void };

export interface NativeMr {
  readonly lkey: number;
  readonly rkey: number;
  readonly addr: bigint;
  readonly length: number;
  close(): void;
}

export interface NativeCq {
  poll(max?: number): NativeCompletion[];
  startEvents(cb: (wcs: NativeCompletion[]) => void): void;
  stopEvents(): void;
  close(): void;
}

export interface NativeSendWr {
  opcode: number;
  wrId: bigint;
  localAddr: bigint;
  length: number;
  lkey: number;
  remoteAddr: bigint;
  rkey: number;
  compareAdd: bigint;
  swap: bigint;
  imm: number;
  signaled: number;
  fence: number;
  inline: number;
}

export interface NativeRecvWr {
  wrId: bigint;
  localAddr: bigint;
  length: number;
  lkey: number;
}

export interface NativeQpCaps {
  maxSendWr: number;
  maxRecvWr: number;
  maxSendSge: number;
  maxRecvSge: number;
  maxInlineData: number;
}

export interface NativeInitAttr {
  port: number;
  pkeyIndex: number;
  access: number;
}

export interface NativeRtrAttr {
  destQpn: number;
  rqPsn: number;
  dgid: string;
  sgidIndex: number;
  pathMtu: number;
  maxDestRdAtomic: number;
  minRnrTimer: number;
  hopLimit: number;
  trafficClass: number;
  flowLabel: number;
  port: number;
}

export interface NativeRtsAttr {
  sqPsn: number;
  timeout: number;
  retryCnt: number;
  rnrRetry: number;
  maxRdAtomic: number;
}

export interface NativeQpState {
  qpn: number;
  state: 'RESET' | 'INIT' | 'RTR' | 'RTS' | 'SQD' | 'SQE' | 'ERR' | 'UNKNOWN';
  pathMtu: number;
  destQpn: number;
  rqPsn: number;
  sqPsn: number;
  timeout: number;
  retryCnt: number;
  rnrRetry: number;
  maxRdAtomic: number;
  maxDestRdAtomic: number;
  minRnrTimer: number;
  maxSendWr: number;
  maxRecvWr: number;
  maxInlineData: number;
}

/** struct-of-arrays op list for runBatch; every array has the same length */
export interface NativeBatchOps {
  opcode: Uint8Array;
  flags: Uint8Array;
  raddr: BigUint64Array;
  rkey: Uint32Array;
  len: Uint32Array;
  value: BigUint64Array;
  expect: BigUint64Array;
  imm: Uint32Array;
  /** FLAG.data ops: a write/send's payload, a read's bytes, at dataOff[i] (len bytes) */
  data?: Uint8Array;
  dataOff?: Uint32Array;
}

export interface NativeBatchOptions {
  slotOffset: number;
  slotSize: number;
  depth: number;
  rate: number;
  opTimeoutMs: number;
  chunkOps: number;
  progressMs: number;
  spin: number;
}

/** results for ops [start, start+count), all final */
export interface NativeBatchChunk {
  start: number;
  count: number;
  status: Int16Array;
  err: Int32Array;
  slot: Uint16Array;
  psn: Uint32Array;
  result: BigUint64Array;
  tPost: BigUint64Array;
  tDone: BigUint64Array;
  /** the bytes of the chunk's successful FLAG.data reads, in op order */
  bytes?: Uint8Array;
}

export interface NativeBatchSummary {
  count: number;
  posted: number;
  completed: number;
  firstErrorIndex: number;
  firstError?: string;
  forced: 'none' | 'timeout' | 'abort';
  modifyError?: string;
  startNs: bigint;
  endNs: bigint;
}

export interface NativeQp {
  readonly qpn: number;
  readonly nextPsn: number;
  toInit(a: NativeInitAttr): void;
  toRtr(a: NativeRtrAttr): void;
  toRts(a: NativeRtsAttr): void;
  toError(): void;
  query(): NativeQpState;
  postSend(wrs: NativeSendWr[]): number[];
  postRecv(wrs: NativeRecvWr[]): void;
  runBatch(
    cq: NativeCq,
    mr: NativeMr,
    opts: NativeBatchOptions,
    ops: NativeBatchOps,
    onProgress: (c: NativeBatchChunk) => void,
  ): Promise<NativeBatchSummary>;
  abortBatch(): boolean;
  close(): void;
}

export interface NativeBinding {
  initialize(errorClass: new (message: string, code: string) => Error): void;
  Context: { new (name: string): NativeContext; listDevices(): NativeDeviceSummary[] };
  ProtectionDomain: new (ctx: NativeContext) => NativePd;
  MemoryRegion: new (pd: NativePd, buf: Buffer, access: number) => NativeMr;
  CompletionQueue: new (ctx: NativeContext, cqe: number) => NativeCq;
  QueuePair: new (pd: NativePd, sendCq: NativeCq, recvCq: NativeCq, caps: NativeQpCaps) => NativeQp;
  allocAligned(size: number): Buffer;
  wcStatusName(status: number): string;
  errnoName(errno: number): string;
  monotonicNs(): bigint;
  constants: NativeConstants;
}
