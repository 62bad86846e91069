// Fuzzing the agent's RPC decoder (issue 16): request lines built from valid requests of every
// method, mutated as data (fields deleted, retyped, renamed; op columns with odd constants,
// ranges and byte counts) and as text (bytes flipped, cuts, NULs, deep nesting). decodeRequest
// never throws, and the op columns of a runSlice decode or are refused with a coded error:
// never the TypeError or RangeError that came back to the controller as agent.internal.
import fc from 'fast-check';
import { isChaosError } from '../harness/core';
import { clearOrValid, fuzzParams, mutatedText, mutatedValue } from '../harness/test-support';
import { decodeRequest, encodeOps, decodeOps, type OpDescriptor } from '.';

const ops: OpDescriptor[] = [
  { f: 'fadd', region: 'counter', offset: 0, value: 1n },
  { f: 'cas', region: 'reg', offset: 8, expect: 0n, value: (1n << 64n) - 1n },
  { f: 'write', region: 'reg', offset: 16, len: 64, value: 7n, imm: 3 },
  { f: 'read', region: 'reg', offset: 16, len: 64, barrier: true },
  { f: 'send', value: 9n, fence: true },
];
const regionRef = { name: 'reg', addr: '18446744073709551615', rkey: 4, size: 4096 };
const REQUESTS: readonly unknown[] = [
  { id: 1, method: 'hello', params: { node: 'node1', processBase: 1000, leaseMs: 10000, rails: [{ rail: 0, device: 'rxe0' }, { rail: 1, device: 'rxe1' }] } },
  { id: 2, method: 'info', params: {} },
  { id: 3, method: 'lease', params: { ttlMs: 5000 } },
  { id: 4, method: 'registerMemory', params: { region: 'counter', size: 4096 } },
  { id: 5, method: 'createQp', params: { conn: 'c0', peer: 'node2', rail: 1, sendDepth: 16, recvDepth: 8, slotSize: 64 } },
  { id: 6, method: 'connectQp', params: { conn: 'c0', remote: { qpn: 17, psn: 5, gid: 'fe80::1', ctl: { addr: '4096', rkey: 2, offset: 16 } }, regions: [regionRef], settings: { timeout: 14, retryCnt: 3, pathMtu: 1024 } } },
  { id: 7, method: 'runSlice', params: { slice: 's1', peer: 'node1', policy: 'replay', ops: encodeOps(ops), depth: 8, rate: 0, opTimeoutMs: 2000, chunkOps: 2 } },
  { id: 8, method: 'runSlice', params: { slice: 's2', peer: 'node1', policy: 'none', ops: encodeOps(Array.from({ length: 6 }, (_, i) => ({ f: 'fadd', region: 'counter', offset: 0, value: BigInt(i + 1) }))), depth: 1, rate: 100, opTimeoutMs: 0 } },
  { id: 9, method: 'readMemory', params: { region: 'reg', offset: 8, length: 16 } },
  { id: 10, method: 'setFaults', params: { faults: [{ id: 'f1-ack-loss', nft: 'table inet rdma_chaos_f1 {}', apply: [['ip', 'link', 'set', 'data0', 'down']], clear: [['true']] }] } },
  { id: 11, method: 'qpState', params: { conn: 'c0' } },
  { id: 12, method: 'shutdown', params: {} },
];

/** what the agent does with a line before any handler runs: decode it, and a slice's columns */
function decode(line: string): 'ok' | 'refused' {
  const d = decodeRequest(line);
  if (!d.ok) {
    expect(d.error.code).toMatch(/^agent\.bad(Json|Request)$/);
    expect(d.error.message).not.toMatch(/[\r\n]/);
    return 'refused';
  }
  if (d.request.method === 'runSlice') {
    const p = d.request.params;
    if (clearOrValid(() => decodeOps(p.ops), /^agent\.bad(Column|Ops)$/).error) return 'refused';
  }
  return 'ok';
}

/** columns that claim one thing and hold another, on top of the generic mutations */
const column = fc.oneof(
  fc.record({ c: fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 33 }), fc.double(), fc.constantFrom('18446744073709551616', '-1', '1.5', '', '1e3', '99999999999999999999')) }),
  fc.record({ r: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(2 ** 53, -1, 0xffffffff)) }),
  fc.base64String({ maxLength: 80 }),
  fc.string({ maxLength: 20 }),
);
const sliceRequest = fc
  .record({ base: fc.constantFrom(REQUESTS[6], REQUESTS[7]), col: fc.constantFrom('f', 'region', 'offset', 'len', 'value', 'expect', 'imm', 'flags'), value: column, n: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 12 }), fc.constantFrom(2 ** 22 + 1, 2 ** 40)) })
  .map(({ base, col, value, n }) => {
    const r = structuredClone(base) as { params: { ops: Record<string, unknown> } };
    r.params.ops[col] = value;
    if (n !== undefined) r.params.ops.n = n;
    return r;
  });

test('the fuzz starts from valid requests of every method', () => {
  expect(REQUESTS.map((r) => decode(JSON.stringify(r)))).toEqual(REQUESTS.map(() => 'ok'));
});

test('mutated requests: a request or a clear refusal', () => {
  let refused = 0;
  fc.assert(
    fc.property(fc.oneof(mutatedValue(REQUESTS), sliceRequest), (v) => {
      if (decode(JSON.stringify(v) ?? 'undefined') === 'refused') refused++;
    }),
    fuzzParams(1631),
  );
  expect(refused).toBeGreaterThan(1000);
  expect(refused).toBeLessThan(9900);
});

test('mutated request lines: a request or a clear refusal', () => {
  fc.assert(
    fc.property(mutatedText(REQUESTS.map((r) => JSON.stringify(r))), (line) => {
      decode(line);
    }),
    fuzzParams(1632),
  );
});

// what the fuzz found, as plain cases: each was a RangeError or a silent wrap before
describe('fuzz-found op columns', () => {
  const slice = (col: string, value: unknown, n?: number): string => {
    const r = structuredClone(REQUESTS[7]) as { params: { ops: Record<string, unknown> } };
    r.params.ops[col] = value;
    if (n !== undefined) r.params.ops.n = n;
    return JSON.stringify(r);
  };
  const refusal = (line: string): string => {
    const d = decodeRequest(line);
    if (!d.ok) return d.error.message;
    try {
      decodeOps((d.request as Extract<typeof d.request, { method: 'runSlice' }>).params.ops);
    } catch (e: unknown) {
      expect(isChaosError(e)).toBe(true);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };
  it('a fractional u64 constant (BigInt threw a RangeError)', () => expect(refusal(slice('value', { c: 1.5 }))).toBe('column value: constant 1.5 is not a u64'));
  it('a u64 constant that is not a number', () => expect(refusal(slice('expect', { c: '1e3' }))).toBe('column expect: constant "1e3" is not a u64'));
  it('a u64 constant past 2^64', () => expect(refusal(slice('value', { c: '18446744073709551616' }))).toMatch(/not a u64/));
  it('a u8 constant that would wrap (300 became 44)', () => expect(refusal(slice('flags', { c: 300 }))).toBe('column flags: constant 300 is not an integer from 0 to 255'));
  it('a u16 range running past 65535', () => expect(refusal(slice('region', { r: 65534 }))).toMatch(/^column region: range from 65534 over 6 values/));
  it('a fractional u64 range start', () => expect(refusal(slice('value', { r: 0.5 }))).toMatch(/range start 0.5 is not a u64/));
  it('a slice of 2^40 ops (new Uint8Array threw a RangeError, or the agent ran out of memory)', () => expect(refusal(slice('f', { c: 2 }, 2 ** 40))).toMatch(/^params\.ops\.n: /));
});
