// A fake of the native binding for fast unit tests only (RDMA_BINDING=fake; never a fallback).
// One in-process fabric: devices from RDMA_FAKE_DEVICES (default rxe0,rxe1), QPs connect to
// QPs of the same process, ops execute on registered Buffers. Completions are delivered on
// setImmediate. RDMA_FAKE_DOWN=rxe0 makes ops on that device fail with IBV_WC_RETRY_EXC_ERR
// after executing (an ACK blackout), which is enough to drive the failover policies.
import type {
  NativeBatchChunk, NativeBatchOps, NativeBatchOptions, NativeBatchSummary, NativeBinding, NativeCompletion, NativeContext,
  NativeCq, NativeMr, NativePd, NativeQp, NativeQpCaps, NativeQpState, NativeRecvWr, NativeSendWr,
} from './native';
import { BATCH, FLAG, OP } from './opcodes';

type ErrorCtor = new (message: string, code: string) => Error;
let ErrorClass: ErrorCtor = class extends Error {
  constructor(m: string, readonly code: string) { super(m); }
};
const fail = (m: string, code: string): never => { throw new ErrorClass(m, code); };

const now = (): bigint => process.hrtime.bigint();
const devices = (): string[] => (process.env.RDMA_FAKE_DEVICES ?? 'rxe0,rxe1').split(',').filter(Boolean);
const down = (dev: string): boolean => (process.env.RDMA_FAKE_DOWN ?? '').split(',').includes(dev);
const gidOf = (dev: string): string => `::ffff:10.${77 + devices().indexOf(dev)}.0.1`;

interface Mem { buf: Buffer; addr: bigint }
const mems = new Map<number, Mem>(); // rkey -> memory
const bases = new WeakMap<Buffer, bigint>();
const qps = new Map<number, FakeQp>();
let nextKey = 0x1000;
let nextQpn = 17;
let nextBase = 0x7f0000000000n;

function memAt(rkey: number, addr: bigint, len: number): { buf: Buffer; off: number } | undefined {
  const m = mems.get(rkey);
  if (!m || addr < m.addr || addr + BigInt(len) > m.addr + BigInt(m.buf.length)) return undefined;
  return { buf: m.buf, off: Number(addr - m.addr) };
}

class FakeContext implements NativeContext {
  constructor(readonly name: string) {
    if (!devices().includes(name)) fail(`no RDMA device named ${name}`, 'ENODEV');
  }
  queryDevice() {
    return { fwVer: '0.0.0', physPortCnt: 1, maxQp: 1 << 16, maxQpWr: 1 << 14, maxSge: 32, maxCq: 1 << 16, maxCqe: 1 << 20, maxMr: 1 << 16, maxQpRdAtom: 128, maxQpInitRdAtom: 128, atomicCap: 'HCA' as const };
  }
  queryPort() {
    return { state: down(this.name) ? 'DOWN' : 'ACTIVE', physState: 5, maxMtu: 4096, activeMtu: 1024, gidTblLen: 2, lid: 0, linkLayer: 'Ethernet' as const };
  }
  queryGid(_port: number, index: number) {
    if (index === 0) return { index, gid: 'fe80::1', type: 'RoCEv2' as const };
    if (index === 1) return { index, gid: gidOf(this.name), type: 'RoCEv2' as const };
    return null;
  }
  queryGidTable() {
    return [0, 1].map((i) => ({ port: 1, ...this.queryGid(1, i)! }));
  }
  startAsyncEvents(): void {}
  stopAsyncEvents(): void {}
  close(): void {}
}

class FakePd implements NativePd {
  constructor(readonly ctx: FakeContext) {}
  close(): void {}
}

class FakeMr implements NativeMr {
  readonly lkey: number;
  readonly rkey: number;
  readonly addr: bigint;
  readonly length: number;
  constructor(readonly pd: FakePd, buf: Buffer) {
    let base = bases.get(buf);
    if (base === undefined) {
      base = nextBase;
      nextBase += 1n << 32n;
      bases.set(buf, base);
    }
    this.addr = base;
    this.length = buf.length;
    this.lkey = this.rkey = nextKey++;
    mems.set(this.rkey, { buf, addr: base });
  }
  close(): void {
    mems.delete(this.rkey);
  }
}

class FakeCq implements NativeCq {
  private q: NativeCompletion[] = [];
  private cb: ((w: NativeCompletion[]) => void) | undefined;
  private scheduled = false;
  push(w: NativeCompletion): void {
    this.q.push(w);
    if (this.cb && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        const cb = this.cb;
        if (cb && this.q.length) cb(this.q.splice(0));
      });
    }
  }
  poll(max = 16): NativeCompletion[] {
    return this.q.splice(0, max);
  }
  startEvents(cb: (w: NativeCompletion[]) => void): void {
    this.cb = cb;
    if (this.q.length) this.push(this.q.pop()!);
  }
  stopEvents(): void {
    this.cb = undefined;
  }
  close(): void {}
}

interface Recv { wrId: bigint; addr: bigint; len: number; lkey: number }

class FakeQp implements NativeQp {
  readonly qpn = nextQpn++;
  nextPsn = 0;
  private st: NativeQpState['state'] = 'RESET';
  private dest = 0;
  private recvs: Recv[] = [];
  private busy = false;
  private abortFlag = false;
  constructor(readonly pd: FakePd, readonly scq: FakeCq, readonly rcq: FakeCq, readonly caps: NativeQpCaps) {
    qps.set(this.qpn, this);
  }
  toInit(): void { this.st = 'INIT'; }
  toRtr(a: { destQpn: number; dgid: string }): void {
    const peer = qps.get(a.destQpn);
    if (!peer || gidOf(peer.pd.ctx.name) !== a.dgid) fail(`no fake QP ${a.destQpn} at ${a.dgid}`, 'EINVAL');
    this.dest = a.destQpn;
    this.st = 'RTR';
  }
  toRts(a: { sqPsn: number }): void { this.nextPsn = a.sqPsn; this.st = 'RTS'; }
  toError(): void { this.st = 'ERR'; }
  query(): NativeQpState {
    return { qpn: this.qpn, state: this.st, pathMtu: 1024, destQpn: this.dest, rqPsn: 0, sqPsn: this.nextPsn, timeout: 14, retryCnt: 7, rnrRetry: 7, maxRdAtomic: 16, maxDestRdAtomic: 16, minRnrTimer: 12, maxSendWr: this.caps.maxSendWr, maxRecvWr: this.caps.maxRecvWr, maxInlineData: 0 };
  }
  postRecv(wrs: NativeRecvWr[]): void {
    for (const w of wrs) this.recvs.push({ wrId: w.wrId, addr: w.localAddr, len: w.length, lkey: w.lkey });
  }
  /** executes one WR now; returns [status, 8-byte result] */
  exec(w: NativeSendWr): [number, bigint] {
    if (this.st !== 'RTS') return [5, 0n]; // IBV_WC_WR_FLUSH_ERR
    const peer = qps.get(this.dest);
    if (!peer) return [12, 0n];
    const local = memAt(w.lkey, w.localAddr, w.length);
    let result = 0n;
    if (w.opcode === OP.send || w.opcode === OP.sendImm) {
      const r = peer.recvs.shift();
      if (!r) return [13, 0n]; // IBV_WC_RNR_RETRY_EXC_ERR
      const dst = memAt(r.lkey, r.addr, w.length);
      if (local && dst) local.buf.copy(dst.buf, dst.off, local.off, local.off + w.length);
      peer.rcq.push(wc(r.wrId, 0, 'RECV', w.length, peer.qpn, w.opcode === OP.sendImm ? w.imm : undefined));
    } else {
      const len = w.opcode === OP.fadd || w.opcode === OP.cas ? 8 : w.length;
      const remote = memAt(w.rkey, w.remoteAddr, len);
      if (!remote) return [10, 0n]; // IBV_WC_REM_ACCESS_ERR
      if (w.opcode === OP.read) {
        if (local) remote.buf.copy(local.buf, local.off, remote.off, remote.off + len);
        result = len >= 8 ? remote.buf.readBigUInt64LE(remote.off) : 0n;
      } else if (w.opcode === OP.write || w.opcode === OP.writeImm) {
        if (local) local.buf.copy(remote.buf, remote.off, local.off, local.off + len);
      } else {
        const old = remote.buf.readBigUInt64LE(remote.off);
        const next = w.opcode === OP.fadd ? (old + w.compareAdd) & ((1n << 64n) - 1n) : old === w.compareAdd ? w.swap : old;
        remote.buf.writeBigUInt64LE(next, remote.off);
        if (local) local.buf.writeBigUInt64LE(old, local.off);
        result = old;
      }
    }
    // an ACK blackout on our device: executed remotely, but the requester never learns it
    if (down(this.pd.ctx.name)) {
      this.st = 'ERR';
      return [12, 0n]; // IBV_WC_RETRY_EXC_ERR
    }
    return [0, result];
  }
  postSend(wrs: NativeSendWr[]): number[] {
    if (this.busy) fail('a batch is running on this queue pair', 'EBUSY');
    return wrs.map((w) => {
      const psn = this.nextPsn;
      this.nextPsn = (this.nextPsn + 1) & 0xffffff;
      const [status, result] = this.exec(w);
      if (status === 0 && local8(w)) memAt(w.lkey, w.localAddr, 8)?.buf.writeBigUInt64LE(result, memAt(w.lkey, w.localAddr, 8)!.off);
      if (w.signaled || status !== 0) this.scq.push(wc(w.wrId, status, opName(w.opcode), w.length, this.qpn));
      return psn;
    });
  }
  async runBatch(_cq: NativeCq, mr: NativeMr, o: NativeBatchOptions, ops: NativeBatchOps, onProgress: (c: NativeBatchChunk) => void): Promise<NativeBatchSummary> {
    if (this.busy) fail('a batch is already running on this queue pair', 'EBUSY');
    this.busy = true;
    this.abortFlag = false;
    const n = ops.opcode.length;
    const c: NativeBatchChunk = { start: 0, count: n, status: new Int16Array(n).fill(BATCH.notPosted), err: new Int32Array(n), slot: new Uint16Array(n), psn: new Uint32Array(n), result: new BigUint64Array(n), tPost: new BigUint64Array(n), tDone: new BigUint64Array(n) };
    const startNs = now();
    let firstErrorIndex = -1;
    let posted = 0;
    const bytes: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      if (i % 256 === 0) await new Promise((ok) => setImmediate(ok));
      if (this.abortFlag) break;
      const slot = i % o.depth;
      const w: NativeSendWr = { opcode: ops.opcode[i]!, wrId: BigInt(i), localAddr: mr.addr + BigInt(o.slotOffset + slot * o.slotSize), length: ops.len[i]!, lkey: mr.lkey, remoteAddr: ops.raddr[i]!, rkey: ops.rkey[i]!, compareAdd: ops.opcode[i] === OP.cas ? ops.expect[i]! : ops.value[i]!, swap: ops.value[i]!, imm: ops.imm[i]!, signaled: 1, fence: 0, inline: 0 };
      const lm = memAt(mr.lkey, w.localAddr, Math.max(8, w.length));
      const own = (ops.flags[i]! & FLAG.data) !== 0 && ops.data !== undefined;
      if (lm && own && w.opcode !== OP.read) lm.buf.set(ops.data!.subarray(ops.dataOff![i]!, ops.dataOff![i]! + w.length), lm.off);
      else if (lm) for (let b = 0; b < w.length; b += 8) lm.buf.writeBigUInt64LE(ops.value[i]!, lm.off + b);
      c.tPost[i] = now();
      c.slot[i] = slot;
      c.psn[i] = this.nextPsn;
      this.nextPsn = (this.nextPsn + 1) & 0xffffff;
      const [status, result] = this.exec(w);
      posted++;
      c.status[i] = status;
      c.result[i] = result;
      c.tDone[i] = now();
      if (status === 0 && own && w.opcode === OP.read && lm) bytes.push(Buffer.from(lm.buf.subarray(lm.off, lm.off + w.length)));
      if (status !== 0) {
        firstErrorIndex = i;
        break;
      }
    }
    this.busy = false;
    if (bytes.length) c.bytes = new Uint8Array(Buffer.concat(bytes));
    onProgress(c);
    return { count: n, posted, completed: posted, firstErrorIndex, ...(firstErrorIndex >= 0 ? { firstError: wcName(c.status[firstErrorIndex]!) } : {}), forced: this.abortFlag ? 'abort' : 'none', startNs, endNs: now() };
  }
  abortBatch(): boolean {
    this.abortFlag = true;
    return this.busy;
  }
  close(): void {
    qps.delete(this.qpn);
  }
}

const local8 = (w: NativeSendWr): boolean => w.opcode === OP.read || w.opcode === OP.fadd || w.opcode === OP.cas;
const opName = (op: number): string => ['RDMA_WRITE', 'RDMA_WRITE', 'RDMA_READ', 'FETCH_ADD', 'COMP_SWAP', 'SEND', 'SEND'][op] ?? 'UNKNOWN';
const wcName = (s: number): string => ({ 0: 'IBV_WC_SUCCESS', 5: 'IBV_WC_WR_FLUSH_ERR', 10: 'IBV_WC_REM_ACCESS_ERR', 12: 'IBV_WC_RETRY_EXC_ERR', 13: 'IBV_WC_RNR_RETRY_EXC_ERR' } as Record<number, string>)[s] ?? 'IBV_WC_GENERAL_ERR';

function wc(wrId: bigint, status: number, opcode: string, byteLen: number, qpn: number, imm?: number): NativeCompletion {
  return { wrId, status: wcName(status), statusCode: status, opcode: status === 0 ? opcode : 'UNKNOWN', byteLen, ...(imm !== undefined ? { imm } : {}), qpn, srcQp: 0, vendorErr: 0, timeNs: now() };
}

export function createFakeBinding(): NativeBinding {
  const Context = FakeContext as unknown as NativeBinding['Context'];
  Context.listDevices = () => devices().map((name, i) => ({ name, guid: `fake${String(i).padStart(12, '0')}` }));
  return {
    initialize(e) { ErrorClass = e; },
    Context,
    ProtectionDomain: FakePd as unknown as NativeBinding['ProtectionDomain'],
    MemoryRegion: FakeMr as unknown as NativeBinding['MemoryRegion'],
    CompletionQueue: FakeCq as unknown as NativeBinding['CompletionQueue'],
    QueuePair: FakeQp as unknown as NativeBinding['QueuePair'],
    allocAligned: (size) => Buffer.alloc(size),
    wcStatusName: wcName,
    errnoName: (e) => `E${e}`,
    monotonicNs: now,
    constants: {
      ACCESS_LOCAL_WRITE: 1, ACCESS_REMOTE_WRITE: 2, ACCESS_REMOTE_READ: 4, ACCESS_REMOTE_ATOMIC: 8,
      OP_WRITE: 0, OP_WRITE_IMM: 1, OP_READ: 2, OP_FETCH_ADD: 3, OP_CMP_SWAP: 4, OP_SEND: 5, OP_SEND_IMM: 6,
      BATCH_NOT_POSTED: -1, BATCH_POST_FAILED: -2, BATCH_TIMED_OUT: -3, BATCH_ABORTED: -4, FLAG_BARRIER: 1, FLAG_FENCE: 2,
    },
  };
}
