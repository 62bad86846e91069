// The setter of a reset pair CASes only after reading BASE back, so the CAS it has in flight
// at a fault is one that swapped (the double-success campaigns depend on it).
import { WorkloadCommon } from '../types';
import type { HistoryEvent } from '../../harness/core';
import { BASE, casRegister, tag } from '.';

const spec = { ...WorkloadCommon.parse({ workload: 'cas-register', target: 'node1', clients: ['node2', 'node3'], keys: 1, depth: 1 }), ...casRegister.params.parse({ reset: true }) };
const ctx = (index: number) => ({ seed: 1, index, count: 2, node: 'node2', target: 'node1', regions: { cas: 8 } });
const done = (f: 'read' | 'cas', result: bigint): HistoryEvent => ({ type: 'ok', process: 1, f, key: 'cas@0', result: result.toString() }) as HistoryEvent;

test('setter: CAS, then reads until it reads BASE, then the next CAS', () => {
  const g = casRegister.generator!(spec, ctx(0));
  const first = g.next(4, []);
  expect(first.map((o) => o.f)).toEqual(['cas', 'read', 'read', 'read']);
  expect(first[0]).toMatchObject({ expect: BASE, value: tag(0, 0) });
  // the third party has not reset yet: only reads
  expect(g.next(4, [done('cas', BASE), done('read', tag(0, 0)), done('read', tag(0, 0)), done('read', tag(0, 0))]).map((o) => o.f)).toEqual(['read', 'read', 'read', 'read']);
  // the last read saw BASE: CAS again, with the next tag
  const again = g.next(4, [done('read', tag(0, 0)), done('read', tag(0, 0)), done('read', tag(0, 0)), done('read', BASE)]);
  expect(again.map((o) => o.f)).toEqual(['cas', 'read', 'read', 'read']);
  expect(again[0]).toMatchObject({ expect: BASE, value: tag(0, 1) });
});

test('resetter: only CASes back to BASE', () => {
  const g = casRegister.generator!(spec, ctx(1));
  expect(g.next(4, []).every((o) => o.f === 'cas' && o.value === BASE)).toBe(true);
});
