// The kv models' dead-read test must be conservative (property.test.ts checks the search
// against brute force); here, that it does prune what can never be read, per key.
import type { Operation, OpStatus } from '../../core';
import type { OpF } from '../../core';
import type { AnyModel } from '../model';
import { kvModel, kvNoPartitionModel } from './kv';

let id = 0;
const op = (f: OpF, key: string, x: string, status: OpStatus = 'ok'): Operation => ({
  id: id++,
  process: id,
  f,
  key,
  ...(f === 'get' ? { result: x } : { value: x }),
  status,
  call: id,
  ret: id + 1,
});

describe.each([
  ['kv', kvModel],
  ['kv-nopart', kvNoPartitionModel],
] as const)('%s: a read is unreachable', (name, make) => {
  const m = make() as unknown as AnyModel;
  const prep = (o: Operation) => m.prepare(o, o.status === 'ok');
  // every key is interned before init, as the search does it
  const read = prep(op('get', 'a', 'abcd'));
  const other = prep(op('get', 'b', 'zz'));
  const putAb = prep(op('put', 'a', 'ab'));
  const putX = prep(op('put', 'a', 'x'));
  const appC = prep(op('append', 'a', 'c'));
  const appD = prep(op('append', 'a', 'd'));
  const at = (value: string) => m.step(m.init(), prep(op('put', 'a', value)))!;

  it('when the value now is no prefix, and no pending put gives one', () => {
    expect(m.unreachable!(at('x'), read, [appC, appD])).toBe(true);
    expect(m.unreachable!(at('x'), read, [putX, appC, appD])).toBe(true);
    expect(m.unreachable!(at('x'), read, [putAb, appC, appD])).toBe(false);
  });

  it('but not while the value now, or a pending put, is a prefix', () => {
    expect(m.unreachable!(at('ab'), read, [])).toBe(false);
    expect(m.unreachable!(at('abcd'), read, [])).toBe(false);
    expect(m.unreachable!(at('x'), read, [putAb])).toBe(false);
  });

  if (name === 'kv-nopart') {
    it('looks at the read key only, and names it as the footprint', () => {
      expect(m.footprint!(read)).toBe(m.footprint!(appC));
      expect(m.footprint!(other)).not.toBe(m.footprint!(read));
      const bq = m.step(at('ab'), prep(op('put', 'b', 'q')))!;
      expect(m.unreachable!(bq, other, [prep(op('put', 'a', 'zz'))])).toBe(true);
      expect(m.unreachable!(bq, other, [prep(op('put', 'b', 'zz'))])).toBe(false);
      expect(m.unreachable!(bq, read, [])).toBe(false);
    });
  }
});
