// QueuePair: an RC QP. connect() walks INIT -> RTR -> RTS with the recipe's attribute masks;
// postSend/postRecv take validated work requests; runBatch is the throughput path (batch.ts).
import { withCallSite } from '../errors';
import { checkBatchOps, type BatchOps, type BatchOptions, type BatchChunk, type BatchSummary } from './batch';
import type { CompletionQueue } from './cq';
import type { MemoryRegion } from './mr';
import type { NativeQp, NativeQpState, NativeSendWr } from './native';
import { OP, accessFlags, type AccessName } from './opcodes';
import type { ProtectionDomain } from './pd';
import { checkFunction, checkInt, checkString, checkU32, checkU64 } from './validate';

export interface QpCaps {
  maxSendWr: number;
  maxRecvWr: number;
  maxSendSge: number;
  maxRecvSge: number;
  maxInlineData: number;
}

/** What the peer needs to connect to this QP; exchanged through the controller. */
export interface QpEndpoint {
  qpn: number;
  psn: number;
  gid: string;
}

/** RC transport settings (rxe treats retryCnt 7 as "retry forever"). */
export interface QpSettings {
  /** local ACK timeout exponent: 4.096 us * 2^timeout */
  timeout: number;
  retryCnt: number;
  rnrRetry: number;
  /** outstanding RDMA READ/atomic requests this QP may issue */
  maxRdAtomic: number;
  /** outstanding RDMA READ/atomic requests this QP accepts; must be >= the peer's maxRdAtomic */
  maxDestRdAtomic: number;
  minRnrTimer: number;
  pathMtu: 256 | 512 | 1024 | 2048 | 4096;
  hopLimit: number;
}

export const DEFAULT_QP_SETTINGS: QpSettings = {
  timeout: 14,
  retryCnt: 7,
  rnrRetry: 7,
  maxRdAtomic: 16,
  maxDestRdAtomic: 16,
  minRnrTimer: 12,
  pathMtu: 1024,
  hopLimit: 64,
};

export function checkQpSettings(s: Partial<QpSettings>): QpSettings {
  const m = { ...DEFAULT_QP_SETTINGS, ...s };
  checkInt('timeout', m.timeout, 0, 31);
  checkInt('retryCnt', m.retryCnt, 0, 7);
  checkInt('rnrRetry', m.rnrRetry, 0, 7);
  checkInt('maxRdAtomic', m.maxRdAtomic, 0, 255);
  checkInt('maxDestRdAtomic', m.maxDestRdAtomic, 0, 255);
  checkInt('minRnrTimer', m.minRnrTimer, 0, 31);
  checkInt('hopLimit', m.hopLimit, 1, 255);
  if (![256, 512, 1024, 2048, 4096].includes(m.pathMtu)) throw new TypeError(`pathMtu must be 256, 512, 1024, 2048 or 4096, got ${m.pathMtu}`);
  return m;
}

export interface LocalRef {
  mr: MemoryRegion;
  offset: number;
  length: number;
}
export interface RemoteRef {
  addr: bigint;
  rkey: number;
}
interface WrBase {
  wrId: bigint;
  signaled?: boolean;
  fence?: boolean;
}
export type SendWr =
  | (WrBase & { op: 'write'; local: LocalRef; remote: RemoteRef; imm?: number })
  | (WrBase & { op: 'read'; local: LocalRef; remote: RemoteRef })
  | (WrBase & { op: 'fadd'; local: LocalRef; remote: RemoteRef; add: bigint })
  | (WrBase & { op: 'cas'; local: LocalRef; remote: RemoteRef; compare: bigint; swap: bigint })
  | (WrBase & { op: 'send'; local: LocalRef; imm?: number });

export interface RecvWr {
  wrId: bigint;
  local: LocalRef;
}

export type QpState = NativeQpState;

export class QueuePair {
  /** @internal */
  readonly native: NativeQp;
  readonly sendCq: CompletionQueue;
  readonly recvCq: CompletionQueue;
  readonly pd: ProtectionDomain;
  readonly caps: QpCaps;

  constructor(native: NativeQp, sendCq: CompletionQueue, recvCq: CompletionQueue, pd: ProtectionDomain, caps: QpCaps) {
    this.native = native;
    this.sendCq = sendCq;
    this.recvCq = recvCq;
    this.pd = pd;
    this.caps = caps;
  }

  get qpn(): number {
    return this.native.qpn;
  }
  /** the PSN the next posted WR will start at (computed: one per packet) */
  get nextPsn(): number {
    return this.native.nextPsn;
  }

  /** INIT -> RTR -> RTS toward `remote`. `local.psn` is this QP's starting send PSN. */
  connect(
    local: { psn: number; sgidIndex: number; port?: number; access?: readonly AccessName[] },
    remote: QpEndpoint,
    settings: Partial<QpSettings> = {},
  ): void {
    const s = checkQpSettings(settings);
    const port = checkInt('port', local.port ?? 1, 1, 255);
    checkInt('local psn', local.psn, 0, 0xffffff);
    checkInt('remote psn', remote.psn, 0, 0xffffff);
    checkU32('remote qpn', remote.qpn);
    checkString('remote gid', remote.gid);
    checkInt('sgidIndex', local.sgidIndex, 0, 255);
    const access = accessFlags(local.access ?? ['remoteWrite', 'remoteRead', 'remoteAtomic']);
    this.native.toInit({ port, pkeyIndex: 0, access });
    this.native.toRtr({
      destQpn: remote.qpn,
      rqPsn: remote.psn,
      dgid: remote.gid,
      sgidIndex: local.sgidIndex,
      pathMtu: s.pathMtu,
      maxDestRdAtomic: s.maxDestRdAtomic,
      minRnrTimer: s.minRnrTimer,
      hopLimit: s.hopLimit,
      trafficClass: 0,
      flowLabel: 0,
      port,
    });
    this.native.toRts({ sqPsn: local.psn, timeout: s.timeout, retryCnt: s.retryCnt, rnrRetry: s.rnrRetry, maxRdAtomic: s.maxRdAtomic });
  }

  query(): QpState {
    return this.native.query();
  }

  /** Force the QP to ERR: outstanding WRs complete with IBV_WC_WR_FLUSH_ERR (tests, failover). */
  toError(): void {
    this.native.toError();
  }

  /** Post `wrs` in one chained ibv_post_send; returns each WR's first PSN. */
  postSend(wrs: readonly SendWr[]): number[] {
    if (!Array.isArray(wrs)) throw new TypeError('postSend(wrs): wrs must be an array');
    return this.native.postSend(wrs.map((w, i) => toNativeWr(w, i)));
  }

  postRecv(wrs: readonly RecvWr[]): void {
    if (!Array.isArray(wrs)) throw new TypeError('postRecv(wrs): wrs must be an array');
    this.native.postRecv(
      wrs.map((w, i) => {
        checkLocal(`wrs[${i}].local`, w.local);
        return { wrId: checkU64(`wrs[${i}].wrId`, w.wrId), localAddr: w.local.mr.addr + BigInt(w.local.offset), length: w.local.length, lkey: w.local.mr.lkey };
      }),
    );
  }

  /**
   * Run `ops` from a worker thread: chained posts, up to `depth` outstanding, results in typed
   * arrays delivered per completed prefix to `onChunk`. The send CQ must not be in event mode.
   */
  runBatch(opts: BatchOptions, ops: BatchOps, onChunk: (c: BatchChunk) => void): Promise<BatchSummary> {
    const site = new Error('runBatch');
    checkFunction('onChunk', onChunk);
    const o = checkBatchOps(opts, ops, this.caps.maxSendWr);
    if (opts.scratch.pd !== this.pd) throw new TypeError('runBatch: the scratch region must be registered in this QP\'s protection domain');
    if (this.sendCq.eventMode) throw new TypeError('runBatch: stop event mode on the send CQ first');
    return withCallSite(this.native.runBatch(this.sendCq.native, opts.scratch.native, o, ops, onChunk), site);
  }

  /** Stop a running batch: outstanding ops are flushed (QP -> ERR) and reported as aborted. */
  abortBatch(): boolean {
    return this.native.abortBatch();
  }

  close(): void {
    this.native.close();
  }
}

function checkLocal(name: string, l: LocalRef): void {
  if (!l || typeof l !== 'object' || !l.mr) throw new TypeError(`${name} must be {mr, offset, length}`);
  checkInt(`${name}.offset`, l.offset, 0, l.mr.length);
  checkInt(`${name}.length`, l.length, 0, l.mr.length - l.offset);
}

function checkRemote(name: string, r: RemoteRef, atomic: boolean): void {
  if (!r || typeof r !== 'object') throw new TypeError(`${name} must be {addr, rkey}`);
  const addr = checkU64(`${name}.addr`, r.addr);
  checkU32(`${name}.rkey`, r.rkey);
  if (atomic && addr % 8n !== 0n) throw new TypeError(`${name}.addr must be 8-byte aligned for an atomic, got 0x${addr.toString(16)}`);
}

function toNativeWr(w: SendWr, i: number): NativeSendWr {
  const n = `wrs[${i}]`;
  if (!w || typeof w !== 'object') throw new TypeError(`${n} must be an object`);
  checkLocal(`${n}.local`, w.local);
  const base: NativeSendWr = {
    opcode: 0,
    wrId: checkU64(`${n}.wrId`, w.wrId),
    localAddr: w.local.mr.addr + BigInt(w.local.offset),
    length: w.local.length,
    lkey: w.local.mr.lkey,
    remoteAddr: 0n,
    rkey: 0,
    compareAdd: 0n,
    swap: 0n,
    imm: 0,
    signaled: w.signaled === false ? 0 : 1,
    fence: w.fence ? 1 : 0,
    inline: 0,
  };
  switch (w.op) {
    case 'write':
    case 'read':
      checkRemote(`${n}.remote`, w.remote, false);
      base.remoteAddr = w.remote.addr;
      base.rkey = w.remote.rkey;
      base.opcode = w.op === 'read' ? OP.read : w.imm === undefined ? OP.write : OP.writeImm;
      if (w.op === 'write' && w.imm !== undefined) base.imm = checkU32(`${n}.imm`, w.imm);
      return base;
    case 'fadd':
    case 'cas':
      checkRemote(`${n}.remote`, w.remote, true);
      if (w.local.length !== 8) throw new TypeError(`${n}.local.length must be 8 for an atomic`);
      base.remoteAddr = w.remote.addr;
      base.rkey = w.remote.rkey;
      if (w.op === 'fadd') {
        base.opcode = OP.fadd;
        base.compareAdd = checkU64(`${n}.add`, w.add);
      } else {
        base.opcode = OP.cas;
        base.compareAdd = checkU64(`${n}.compare`, w.compare);
        base.swap = checkU64(`${n}.swap`, w.swap);
      }
      return base;
    case 'send':
      base.opcode = w.imm === undefined ? OP.send : OP.sendImm;
      if (w.imm !== undefined) base.imm = checkU32(`${n}.imm`, w.imm);
      return base;
    default:
      throw new TypeError(`${n}.op must be write, read, fadd, cas or send, got ${JSON.stringify((w as { op: unknown }).op)}`);
  }
}
