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

  test('default history keys: region@offset, and sender->receiver for sends', () => {
    expect(defaultKey({ f: 'read', region: 'reg', offset: 16 }, 'n1', 'n2')).toBe('reg@16');
    expect(defaultKey({ f: 'send', value: 1n }, 'n1', 'n2')).toBe('n1->n2');
    expect(defaultKey({ f: 'send', value: 1n, key: 'q' }, 'n1', 'n2')).toBe('q');
  });
});
