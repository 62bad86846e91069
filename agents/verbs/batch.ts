// The batch path's data: ops as a struct of typed arrays (no per-op JS objects), options, and
// the checks done before the worker thread starts. Results come back the same way.
import type { MemoryRegion } from './mr';
import type { NativeBatchChunk, NativeBatchOps, NativeBatchOptions, NativeBatchSummary } from './native';
import { FLAG, OP } from './opcodes';
import { checkInt } from './validate';

export type BatchOps = NativeBatchOps;
export type BatchChunk = NativeBatchChunk;
export type BatchSummary = NativeBatchSummary;

export interface BatchOptions {
  /** local memory for per-slot payloads and results: depth * slotSize bytes from slotOffset */
  scratch: MemoryRegion;
  slotOffset?: number;
  /** bytes per outstanding op; also the largest op length (default 64) */
  slotSize?: number;
  /** outstanding ops (64-128 reaches perftest on rxe; default 64) */
  depth?: number;
  /** ops per second, 0 = unpaced */
  rate?: number;
  /** an op outstanding this long forces the QP to ERR and counts as timed out; 0 = never */
  opTimeoutMs?: number;
  /** deliver a chunk every chunkOps completions or every progressMs, whichever first */
  chunkOps?: number;
  progressMs?: number;
  /** empty polls before the worker blocks on the completion channel */
  spin?: number;
}

export function allocBatchOps(n: number): BatchOps {
  return {
    opcode: new Uint8Array(n),
    flags: new Uint8Array(n),
    raddr: new BigUint64Array(n),
    rkey: new Uint32Array(n),
    len: new Uint32Array(n),
    value: new BigUint64Array(n),
    expect: new BigUint64Array(n),
    imm: new Uint32Array(n),
  };
}

export function checkBatchOps(o: BatchOptions, ops: BatchOps, maxSendWr: number): NativeBatchOptions {
  if (!o || typeof o !== 'object' || !o.scratch) throw new TypeError('runBatch: options need a scratch MemoryRegion');
  const slotSize = checkInt('slotSize', o.slotSize ?? 64, 8, 1 << 20);
  if (slotSize % 8) throw new TypeError(`slotSize must be a multiple of 8, got ${slotSize}`);
  const slotOffset = checkInt('slotOffset', o.slotOffset ?? 0, 0, o.scratch.length);
  if (slotOffset % 8) throw new TypeError(`slotOffset must be a multiple of 8, got ${slotOffset}`);
  const depth = checkInt('depth', o.depth ?? 64, 1, Math.min(65535, maxSendWr));
  if (slotOffset + depth * slotSize > o.scratch.length) {
    throw new TypeError(`runBatch: ${depth} slots of ${slotSize} bytes from offset ${slotOffset} exceed the scratch region (${o.scratch.length} bytes)`);
  }
  const rate = o.rate ?? 0;
  if (typeof rate !== 'number' || !(rate >= 0) || !Number.isFinite(rate)) throw new TypeError(`rate must be a finite number >= 0, got ${rate}`);
  const n = ops.opcode?.length;
  const typed: Array<[keyof BatchOps, new (n: number) => ArrayBufferView]> = [
    ['opcode', Uint8Array], ['flags', Uint8Array], ['raddr', BigUint64Array], ['rkey', Uint32Array],
    ['len', Uint32Array], ['value', BigUint64Array], ['expect', BigUint64Array], ['imm', Uint32Array],
  ];
  for (const [k, T] of typed) {
    const a = ops[k];
    if (!(a instanceof T)) throw new TypeError(`runBatch: ops.${k} must be a ${T.name}`);
    if ((a as unknown as { length: number }).length !== n) throw new TypeError(`runBatch: ops.${k} has ${(a as unknown as { length: number }).length} entries, ops.opcode has ${n}`);
  }
  if (ops.data !== undefined && !(ops.data instanceof Uint8Array && ops.dataOff instanceof Uint32Array && ops.dataOff.length === n)) {
    throw new TypeError('runBatch: ops.data must be a Uint8Array with ops.dataOff, a Uint32Array of one offset per op');
  }
  for (let i = 0; i < n; i++) {
    const op = ops.opcode[i]!;
    if (op > OP.sendImm) throw new TypeError(`runBatch: op #${i} has unknown opcode ${op}`);
    if (ops.flags[i]! & FLAG.data) {
      if (op === OP.fadd || op === OP.cas) throw new TypeError(`runBatch: atomic op #${i} cannot carry data`);
      if (!ops.data || ops.dataOff![i]! + ops.len[i]! > ops.data.length) throw new TypeError(`runBatch: op #${i} has the data flag, but ops.data has no ${ops.len[i]} bytes at its dataOff`);
    }
    if (ops.len[i]! > slotSize) throw new TypeError(`runBatch: op #${i} is ${ops.len[i]} bytes, more than slotSize ${slotSize}`);
    if ((op === OP.fadd || op === OP.cas) && ops.raddr[i]! % 8n !== 0n) throw new TypeError(`runBatch: atomic op #${i} targets unaligned address 0x${ops.raddr[i]!.toString(16)}`);
  }
  return {
    slotOffset,
    slotSize,
    depth,
    rate,
    opTimeoutMs: checkInt('opTimeoutMs', o.opTimeoutMs ?? 0, 0, 0x7fffffff),
    chunkOps: checkInt('chunkOps', o.chunkOps ?? 1024, 1, 1 << 24),
    progressMs: checkInt('progressMs', o.progressMs ?? 50, 1, 60000),
    spin: checkInt('spin', o.spin ?? 1000, 0, 1 << 30),
  };
}
