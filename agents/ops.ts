// The op descriptor: what the controller asks an agent to execute, generic enough for every
// workload (counter: FADD with unique deltas + reads; cas-register: CAS/write/read with values
// tagged by op id; register: write/read, incl. data-then-flag writes; send-stream: SENDs with
// sequence numbers). Ops travel as columns (OpColumns) and come back as columns (OpResults).
import { z } from 'zod';
import { InputError } from '../harness/core';
import { Column, MAX_COLUMN_VALUES, decodeColumn, decodeColumn64, encodeColumn, encodeColumn64 } from './wire';

export const OP_FS = ['write', 'read', 'fadd', 'cas', 'send'] as const;
export type OpFn = (typeof OP_FS)[number];

export interface OpDescriptor {
  f: OpFn;
  /** the peer's registered region the op targets (ignored by send) */
  region?: string;
  /** byte offset in the region; a multiple of 8 for fadd/cas */
  offset?: number;
  /** bytes for write/read/send (default 8; fadd/cas are always 8) */
  len?: number;
  /** write: the 64-bit value, repeated over len; fadd: the delta; cas: the new value; send: the payload id */
  value?: bigint;
  /**
   * write/send: the payload itself (len is its length; value becomes its first 8 bytes, read
   * little-endian, for read-verify); read: true asks for the bytes read, as the result in hex
   */
  data?: Uint8Array | true;
  /** cas: the expected value */
  expect?: bigint;
  /** write/send: send it with this immediate (WRITE_WITH_IMM / SEND_WITH_IMM) */
  imm?: number;
  /** history key; default `${region}@${offset}` (send: `${node}->${peer}`) */
  key?: string | number;
  /** post only after every earlier op of the slice completed (e.g. a flag after its data) */
  barrier?: boolean;
  /** IBV_SEND_FENCE: wait for earlier READs/atomics on the QP */
  fence?: boolean;
}

export const FCODE: Record<OpFn, number> = { write: 0, read: 1, fadd: 2, cas: 3, send: 4 };
export const FNAME: readonly OpFn[] = ['write', 'read', 'fadd', 'cas', 'send'];
export const OPFLAG = { barrier: 1, fence: 2, imm: 4, data: 8 } as const;
/** the most payload bytes one slice may carry */
export const MAX_SLICE_DATA = 1 << 24;

export const OpColumns = z
  .object({
    n: z.number().int().nonnegative().max(MAX_COLUMN_VALUES),
    regions: z.array(z.string()),
    f: Column,
    region: Column,
    offset: Column,
    len: Column,
    value: Column,
    expect: Column,
    imm: Column,
    flags: Column,
    /** base64 of the payloads of the OPFLAG.data writes and sends, in op order */
    data: z.string().optional(),
  })
  .strict();
export type OpColumns = z.infer<typeof OpColumns>;

/** decoded op columns, as the agent uses them */
export interface OpArrays {
  n: number;
  regions: string[];
  f: Uint8Array;
  region: Uint16Array;
  offset: Uint32Array;
  len: Uint32Array;
  value: BigUint64Array;
  expect: BigUint64Array;
  imm: Uint32Array;
  flags: Uint8Array;
  /** OPFLAG.data writes and sends: their payloads, each at dataOff[i] (len bytes) */
  data?: Uint8Array;
  dataOff?: Uint32Array;
}

export function defaultKey(op: OpDescriptor, node: string, peer: string): string | number {
  if (op.key !== undefined) return op.key;
  if (op.f === 'send') return `${node}->${peer}`;
  return `${op.region ?? ''}@${op.offset ?? 0}`;
}

/** Validates descriptors (TypeError naming the op) and packs them into columns. */
export function encodeOps(ops: readonly OpDescriptor[]): OpColumns {
  const n = ops.length;
  const a = allocOpArrays(n);
  const regionIdx = new Map<string, number>();
  const payloads: Uint8Array[] = [];
  let dataBytes = 0;
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    const where = `op #${i} (${op?.f})`;
    if (!op || !(OP_FS as readonly string[]).includes(op.f)) throw new TypeError(`op #${i}: f must be one of ${OP_FS.join(', ')}`);
    a.f[i] = FCODE[op.f];
    if (op.f !== 'send') {
      if (typeof op.region !== 'string' || !op.region) throw new TypeError(`${where}: region must name a registered region`);
      let r = regionIdx.get(op.region);
      if (r === undefined) regionIdx.set(op.region, (r = regionIdx.size));
      a.region[i] = r;
    }
    const offset = op.offset ?? 0;
    if (!Number.isInteger(offset) || offset < 0 || offset > 0xffffffff) throw new TypeError(`${where}: offset must be a u32`);
    const atomic = op.f === 'fadd' || op.f === 'cas';
    if (atomic && offset % 8) throw new TypeError(`${where}: offset ${offset} is not 8-byte aligned`);
    a.offset[i] = offset;
    let payload: Uint8Array | undefined;
    if (op.data !== undefined) {
      if (op.data === true ? op.f !== 'read' : !(op.data instanceof Uint8Array) || (op.f !== 'write' && op.f !== 'send')) throw new TypeError(`${where}: data is a write's or send's payload (a Uint8Array), or true on a read`);
      if (op.data !== true) {
        if (op.len !== undefined && op.len !== op.data.length) throw new TypeError(`${where}: len ${op.len} is not the length of its data (${op.data.length})`);
        if (op.value !== undefined) throw new TypeError(`${where}: a payload of its own has no value`);
        payload = op.data;
      }
    }
    const len = atomic ? 8 : payload ? payload.length : op.len ?? 8;
    if (!Number.isInteger(len) || len < 0 || len > 1 << 20) throw new TypeError(`${where}: len must be an integer in [0, 2^20]`);
    a.len[i] = len;
    a.value[i] = payload ? firstWord(payload) : u64Arg(op.value, `${where}: value`);
    if (payload) {
      payloads.push(payload);
      dataBytes += payload.length;
      if (dataBytes > MAX_SLICE_DATA) throw new TypeError(`${where}: the slice's payloads exceed ${MAX_SLICE_DATA} bytes`);
    }
    if (op.f === 'cas') {
      if (op.expect === undefined) throw new TypeError(`${where}: cas needs expect`);
      a.expect[i] = u64Arg(op.expect, `${where}: expect`);
    }
    let flags = (op.barrier ? OPFLAG.barrier : 0) | (op.fence ? OPFLAG.fence : 0) | (op.data !== undefined ? OPFLAG.data : 0);
    if (op.imm !== undefined) {
      if (op.f !== 'write' && op.f !== 'send') throw new TypeError(`${where}: imm only goes with write or send`);
      if (!Number.isInteger(op.imm) || op.imm < 0 || op.imm > 0xffffffff) throw new TypeError(`${where}: imm must be a u32`);
      a.imm[i] = op.imm;
      flags |= OPFLAG.imm;
    }
    a.flags[i] = flags;
  }
  return {
    n,
    regions: [...regionIdx.keys()],
    f: encodeColumn(a.f),
    region: encodeColumn(a.region),
    offset: encodeColumn(a.offset),
    len: encodeColumn(a.len),
    value: encodeColumn64(a.value),
    expect: encodeColumn64(a.expect),
    imm: encodeColumn(a.imm),
    flags: encodeColumn(a.flags),
    ...(payloads.length ? { data: Buffer.concat(payloads).toString('base64') } : {}),
  };
}

/** a payload's first 8 bytes as a little-endian u64 (zero-padded): what an 8-byte READ of its target returns */
export function firstWord(b: Uint8Array): bigint {
  const w = Buffer.alloc(8);
  w.set(b.subarray(0, 8));
  return w.readBigUInt64LE(0);
}

function u64Arg(v: bigint | undefined, what: string): bigint {
  if (v === undefined) return 0n;
  if (typeof v !== 'bigint' || v < 0n || v >= 1n << 64n) throw new TypeError(`${what} must be a bigint in [0, 2^64)`);
  return v;
}

export function allocOpArrays(n: number): OpArrays {
  return {
    n,
    regions: [],
    f: new Uint8Array(n),
    region: new Uint16Array(n),
    offset: new Uint32Array(n),
    len: new Uint32Array(n),
    value: new BigUint64Array(n),
    expect: new BigUint64Array(n),
    imm: new Uint32Array(n),
    flags: new Uint8Array(n),
  };
}

export function decodeOps(c: OpColumns): OpArrays {
  const n = c.n;
  const a: OpArrays = {
    n,
    regions: c.regions,
    f: decodeColumn(c.f, n, Uint8Array, 'f'),
    region: decodeColumn(c.region, n, Uint16Array, 'region'),
    offset: decodeColumn(c.offset, n, Uint32Array, 'offset'),
    len: decodeColumn(c.len, n, Uint32Array, 'len'),
    value: decodeColumn64(c.value, n, 'value'),
    expect: decodeColumn64(c.expect, n, 'expect'),
    imm: decodeColumn(c.imm, n, Uint32Array, 'imm'),
    flags: decodeColumn(c.flags, n, Uint8Array, 'flags'),
  };
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (a.f[i]! > 4) throw new InputError('agent.badOps', `op #${i}: unknown f code ${a.f[i]}`);
    if (a.f[i] !== FCODE.send && a.region[i]! >= c.regions.length) throw new InputError('agent.badOps', `op #${i}: region index out of range`);
    if (a.flags[i]! & OPFLAG.data && a.f[i] !== FCODE.read) {
      if (a.f[i] !== FCODE.write && a.f[i] !== FCODE.send) throw new InputError('agent.badOps', `op #${i}: only writes and sends carry data`);
      a.dataOff ??= new Uint32Array(n);
      a.dataOff[i] = at;
      at += a.len[i]!;
    }
  }
  if (c.data !== undefined || at > 0) {
    const data = Buffer.from(c.data ?? '', 'base64');
    if (data.length !== at) throw new InputError('agent.badOps', `the ops' payloads are ${data.length} bytes, their lengths add up to ${at}`);
    a.data = new Uint8Array(data.buffer, data.byteOffset, data.length);
  }
  return a;
}
