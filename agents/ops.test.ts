import { decodeOps, defaultKey, encodeOps, type OpDescriptor } from './ops';

describe('op descriptors', () => {
  test('every workload shape round-trips through the columns', () => {
    const big = (1n << 63n) + 3n;
    const ops: OpDescriptor[] = [
      { f: 'fadd', region: 'ctr', offset: 0, value: 1n << 40n },
      { f: 'read', region: 'ctr', offset: 0 },
      { f: 'cas', region: 'reg', offset: 8, expect: 5n, value: big },
      { f: 'write', region: 'reg', offset: 64, len: 256, value: 77n },
      { f: 'write', region: 'flag', offset: 0, value: 77n, barrier: true, imm: 9 },
      { f: 'send', value: 1001n, len: 16, fence: true },
    ];
    const a = decodeOps(JSON.parse(JSON.stringify(encodeOps(ops))));
    expect(a.n).toBe(6);
    expect(a.regions).toEqual(['ctr', 'reg', 'flag']);
    expect(Array.from(a.f)).toEqual([2, 1, 3, 0, 0, 4]);
    expect(Array.from(a.offset)).toEqual([0, 0, 8, 64, 0, 0]);
    expect(Array.from(a.len)).toEqual([8, 8, 8, 256, 8, 16]);
    expect(a.value[2]).toBe(big);
    expect(a.expect[2]).toBe(5n);
    expect(a.imm[4]).toBe(9);
    expect(Array.from(a.flags)).toEqual([0, 0, 0, 0, 1 | 4, 2]);
  });

  test('bad descriptors get a TypeError naming the op', () => {
    expect(() => encodeOps([{ f: 'fadd', region: 'r', offset: 4, value: 1n }])).toThrow(/op #0 \(fadd\): offset 4 is not 8-byte aligned/);
    expect(() => encodeOps([{ f: 'cas', region: 'r', offset: 0, value: 1n }])).toThrow(/cas needs expect/);
    expect(() => encodeOps([{ f: 'write', offset: 0, value: 1n }])).toThrow(/region must name/);
    expect(() => encodeOps([{ f: 'read', region: 'r', imm: 3 }])).toThrow(/imm only goes with write or send/);
    expect(() => encodeOps([{ f: 'write', region: 'r', value: -1n }])).toThrow(/value must be a bigint in \[0, 2\^64\)/);
    expect(() => encodeOps([{ f: 'nop' } as unknown as OpDescriptor])).toThrow(/op #0: f must be one of/);
  });

  test('payloads travel as one base64 string, each found again at its offset; a read asking for bytes carries only the flag', () => {
    const blk = (k: number) => Uint8Array.from({ length: 32 }, (_, i) => (k * 31 + i) & 0xff);
    const ops: OpDescriptor[] = [
      { f: 'write', region: 'd', offset: 0, data: blk(1) },
      { f: 'fadd', region: 'd', offset: 64, value: 1n },
      { f: 'read', region: 'd', offset: 0, len: 32, data: true },
      { f: 'send', data: blk(2).subarray(0, 12) },
    ];
    const c = encodeOps(ops);
    expect(Buffer.from(c.data!, 'base64').length).toBe(44);
    const a = decodeOps(JSON.parse(JSON.stringify(c)));
    expect(Array.from(a.len)).toEqual([32, 8, 32, 12]);
    expect(Array.from(a.flags)).toEqual([8, 0, 8, 8]);
    expect(Array.from(a.dataOff!)).toEqual([0, 0, 0, 32]);
    expect(Buffer.from(a.data!.subarray(0, 32))).toEqual(Buffer.from(blk(1)));
    expect(Buffer.from(a.data!.subarray(32, 44))).toEqual(Buffer.from(blk(2).subarray(0, 12)));
    // read-verify reads 8 bytes: a payload's value is its first word
    expect(a.value[0]).toBe(Buffer.from(blk(1)).readBigUInt64LE(0));
    // a payload that does not add up to the ops' lengths is refused by the agent
    expect(() => decodeOps({ ...c, data: Buffer.alloc(40).toString('base64') })).toThrow(/payloads are 40 bytes, their lengths add up to 44/);
    expect(() => encodeOps([{ f: 'write', region: 'd', data: blk(1), value: 3n }])).toThrow(/a payload of its own has no value/);
  });

  test('default history keys: region@offset, and sender->receiver for sends', () => {
    expect(defaultKey({ f: 'read', region: 'reg', offset: 16 }, 'n1', 'n2')).toBe('reg@16');
    expect(defaultKey({ f: 'send', value: 1n }, 'n1', 'n2')).toBe('n1->n2');
    expect(defaultKey({ f: 'send', value: 1n, key: 'q' }, 'n1', 'n2')).toBe('q');
  });
});
