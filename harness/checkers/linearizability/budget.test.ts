// Out of time is unknown, never valid, and the message names the budget honestly: the whole
// budget and what went where (reading, other checkers, the search), and how far the search got.
import { checkLinearizability } from '.';
import { checkHistory } from '..';
import { getModel } from '../models';
import { H } from '../test-support';

const ops = new H().op(0, 'fadd', 1, 'ok', 0, 'c').op(1, 'fadd', 1, 'ok', 1, 'c').final(2, 'read', 2, 'c').ops();

it('a search with no time left is unknown, naming what the budget went to', () => {
  const r = checkLinearizability(getModel('counter'), ops, { timeoutMs: 0, budget: { totalMs: 5000, spent: [{ what: 'reading', ms: 4200 }] } });
  expect(r.verdict).toBe('unknown');
  expect(r.summary).toMatch(/^time budget of 5\.0 s exhausted \(4\.2 s reading, 0\.0 s linearizability\) before the search began, after placing 0 of 3 ok ops$/);
  // the same history with time is valid: the unknown above is the budget's doing
  expect(checkLinearizability(getModel('counter'), ops, {}).verdict).toBe('valid');
});

it('checkHistory with the budget spent on reading runs no checker and says so', () => {
  const c = checkHistory(ops, { format: 'native', timeoutMs: 0, budget: { totalMs: 5000, spent: [{ what: 'reading', ms: 5100 }] } });
  expect(c.verdict).toBe('unknown');
  expect(c.results.map((r) => [r.checker, r.verdict])).toEqual([['history', 'unknown']]);
  expect(c.results[0]!.summary).toBe('time budget of 5.0 s exhausted (5.1 s reading) before any checker ran');
});

it('a cancelled search is unknown and says cancelled', () => {
  const ac = new AbortController();
  ac.abort();
  const r = checkLinearizability(getModel('counter'), ops, { signal: ac.signal });
  expect(r.verdict).toBe('unknown');
  expect(r.summary).toMatch(/^cancelled /);
});
