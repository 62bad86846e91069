import { decodeColumn, decodeColumn64, encodeColumn, encodeColumn64, u64Json } from './wire';

describe('columnar wire encoding', () => {
  test('constant, range and raw columns round-trip for every width', () => {
    const cases: Array<[Uint8Array | Uint16Array | Uint32Array | Int16Array | Int32Array, new (n: number) => Uint8Array | Uint16Array | Uint32Array | Int16Array | Int32Array]> = [
      [Uint8Array.from([3, 3, 3]), Uint8Array],
      [Uint16Array.from([5, 6, 7, 8]), Uint16Array],
      [Uint32Array.from([0xffffffff, 1, 0x80000000]), Uint32Array],
      [Int16Array.from([-4, 0, 9, -100]), Int16Array],
      [Int32Array.from([-1, 2147483647]), Int32Array],
    ];
    for (const [a, T] of cases) {
      const c = encodeColumn(a);
      expect(Array.from(decodeColumn(c, a.length, T, 'x'))).toEqual(Array.from(a));
    }
    expect(encodeColumn(Uint8Array.from([3, 3, 3]))).toEqual({ c: 3 });
    expect(encodeColumn(Uint16Array.from([5, 6, 7]))).toEqual({ r: 5 });
    expect(typeof encodeColumn(Uint32Array.from([9, 1]))).toBe('string');
  });

  test('u64 columns keep values above 2^53 exactly', () => {
    const a = BigUint64Array.from([(1n << 64n) - 1n, 1n << 53n, (1n << 53n) + 1n, 0n]);
    expect(Array.from(decodeColumn64(encodeColumn64(a), 4, 'v'))).toEqual(Array.from(a));
    const same = BigUint64Array.from([(1n << 63n) + 5n, (1n << 63n) + 5n]);
    expect(encodeColumn64(same)).toEqual({ c: ((1n << 63n) + 5n).toString() });
    expect(Array.from(decodeColumn64(encodeColumn64(same), 2, 'v'))).toEqual(Array.from(same));
  });

  test('a column with the wrong byte count is refused', () => {
    const c = encodeColumn(Uint32Array.from([1, 9, 4]));
    expect(() => decodeColumn(c, 4, Uint32Array, 'idx')).toThrow(/column idx: 12 bytes for 4 values/);
  });

  test('history values are numbers while exact, decimal strings beyond 2^53', () => {
    expect(u64Json(42n)).toBe(42);
    expect(u64Json(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(u64Json(BigInt(Number.MAX_SAFE_INTEGER) + 1n)).toBe('9007199254740992');
  });
});
