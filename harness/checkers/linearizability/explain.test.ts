// Shrinking a violation to its core (explain.ts). A real 10-minute single-key CAS run had one ok
// CAS return a value no op wrote (its result slot's poison): the check refuted it in 0.25 s, but
// the shrinker searched the 69k-op partition with half its ok ops relaxed until its deadline, at
// 4 GB. What refute.ts proves needs no search there either: the core is that one op, complete.
import type { Operation } from '../../core';
import { getModel } from '../models';
import { checkLinearizability } from '.';

function casHistory(n: number, poisonAt: number): Operation[] {
  const ops: Operation[] = [];
  let state = 0;
  for (let i = 0; i < n; i++) {
    const p = i % 2;
    const base = { id: i, process: p, f: 'cas' as const, key: 'cas@0', call: 2 * i, ret: 2 * i + 1 };
    if (i === poisonAt) {
      ops.push({ ...base, value: [state, state + 1], result: '18446744073709551615', status: 'ok' });
    } else if (i % 7 === 3) {
      // indeterminate: it may or may not have swapped
      ops.push({ ...base, value: [state, 100_000 + i], status: 'info', ret: Infinity });
    } else {
      ops.push({ ...base, value: [state, state + 1], result: state, status: 'ok' });
      state += 1;
    }
  }
  return ops;
}

test('a CAS that returned a value nobody wrote, deep in a 40k-op single-key history: invalid, and its core is that op alone, 1-minimal', () => {
  const ops = casHistory(40_000, 30_001);
  const r = checkLinearizability(getModel('cas-register'), ops, { explain: true, timeoutMs: 60_000 });
  expect(r.verdict).toBe('invalid');
  const v = r.violations[0]!;
  expect({ ops: v.ops, complete: v.explanation?.minimalComplete }).toEqual({ ops: [30_001], complete: true });
});

test('without the poisoned op the same history is linearizable (the core is not an artefact of the shape)', () => {
  const ops = casHistory(40_000, -1);
  expect(checkLinearizability(getModel('cas-register'), ops, { explain: true, timeoutMs: 60_000 }).verdict).toBe('valid');
});
