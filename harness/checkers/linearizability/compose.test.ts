// The certificate behind a per-key search of a whole-state model: the merged order keeps each
// key's order and real time, and certify() refuses any order that breaks either or the model.
import type { Operation } from '../../core';
import { getModel } from '../models';
import { prepareEntries, type Entry } from './entries';
import { certify, mergeOrders, splitByFootprint } from './compose';

const kv = (id: number, f: 'put' | 'get', key: string, v: string, call: number, ret: number): Operation =>
  f === 'put' ? { id, process: id, f, key, value: v, status: 'ok', call, ret } : { id, process: id, f, key, result: v, status: 'ok', call, ret };

// a: put x [0,1], b: put y [2,3] (after a returned), c: get a=x [4,5], d: get b=y [4,6]
const ops = [kv(0, 'put', 'a', 'x', 0, 1), kv(1, 'put', 'b', 'y', 2, 3), kv(2, 'get', 'a', 'x', 4, 5), kv(3, 'get', 'b', 'y', 4, 6)];

function setup(): { model: ReturnType<typeof getModel>; entries: Entry<unknown>[]; chains: Entry<unknown>[][] } {
  const model = getModel('kv', { partition: false });
  const entries = prepareEntries(model, ops);
  return { model, entries, chains: splitByFootprint(model, entries) };
}

test('the model is the whole-map one and splits into one chain per key', () => {
  const { model, chains } = setup();
  expect(model.name).toBe('kv-nopart');
  expect(chains.map((c) => c.map((e) => e.op.id))).toEqual([[0, 2], [1, 3]]);
});

test('mergeOrders interleaves the chains in real-time order', () => {
  const { model, entries, chains } = setup();
  const order = mergeOrders(chains)!;
  // b cannot come before a (a returned before b was called), nor c before b
  expect(order.map((e) => e.op.id)).toEqual([0, 1, 2, 3]);
  expect(certify(model, entries, order)).toBe(true);
});

test('certify refuses a real-time inversion, a missing ok op and an illegal step', () => {
  const { model, entries } = setup();
  const by = (ids: number[]): Entry<unknown>[] => ids.map((i) => entries.find((e) => e.op.id === i)!);
  expect(certify(model, entries, by([1, 0, 2, 3]))).toBe(false); // b before a, though a returned first
  expect(certify(model, entries, by([0, 1, 2]))).toBe(false); // d missing
  expect(certify(model, entries, by([0, 2, 1, 3]))).toBe(false); // c before b, though b returned first
  expect(certify(model, entries, by([0, 1, 3, 2]))).toBe(true); // c and d overlap: either order
  const bad = prepareEntries(model, [...ops.slice(0, 3), kv(3, 'get', 'b', 'z', 4, 6)]);
  expect(certify(model, bad, mergeOrders(splitByFootprint(model, bad))!)).toBe(false); // b holds y, not z
});

test('mergeOrders reports a deadlock instead of breaking an order', () => {
  const { entries } = setup();
  const [a, b, c, d] = [0, 1, 2, 3].map((i) => entries.find((e) => e.op.id === i)!);
  // a chain that puts c before a, though a returned before c was called: no head is ever ready
  expect(mergeOrders([[c!, a!], [b!, d!]])).toBeUndefined();
});
