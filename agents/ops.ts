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
export const OPFLAG = { barrier: 1, fence: 2, imm: 4 } as const;

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
    const len = atomic ? 8 : op.len ?? 8;
    if (!Number.isInteger(len) || len < 0 || len > 1 << 20) throw new TypeError(`${where}: len must be an integer in [0, 2^20]`);
    a.len[i] = len;
    a.value[i] = u64Arg(op.value, `${where}: value`);
    if (op.f === 'cas') {
      if (op.expect === undefined) throw new TypeError(`${where}: cas needs expect`);
      a.expect[i] = u64Arg(op.expect, `${where}: expect`);
    }
    let flags = (op.barrier ? OPFLAG.barrier : 0) | (op.fence ? OPFLAG.fence : 0);
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
  };
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
  for (let i = 0; i < n; i++) {
    if (a.f[i]! > 4) throw new InputError('agent.badOps', `op #${i}: unknown f code ${a.f[i]}`);
    if (a.f[i] !== FCODE.send && a.region[i]! >= c.regions.length) throw new InputError('agent.badOps', `op #${i}: region index out of range`);
  }
  return a;
}
