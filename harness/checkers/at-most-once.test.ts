import type { Operation } from '../core';
import { checkAtMostOnce } from './at-most-once';
import { checkHistory } from '.';
import { H } from './test-support';

describe('at-most-once: FADD counters', () => {
  // deltas are powers of 4, so the final value decodes into executions per op
  const clean = (): H =>
    new H()
      .invoke(1, 'fadd', 1, 'c')
      .invoke(2, 'fadd', 4, 'c')
      .complete(1, 'ok', 0)
      .complete(2, 'ok', 1)
      .op(1, 'fadd', 16, 'info', undefined, 'c')
      .op(2, 'fadd', 64, 'fail', undefined, 'c');

  it('is quiet on a clean history, with the info op executed or not', () => {
    expect(checkAtMostOnce(clean().final(9, 'read', 5, 'c').ops()).verdict).toBe('valid');
    expect(checkAtMostOnce(clean().final(9, 'read', 21, 'c').ops()).verdict).toBe('valid');
  });

  it('finds a planted duplicate FADD and names it', () => {
    // the +4 went twice: 1 + 4 + 4 = 9
    const r = checkAtMostOnce(clean().final(9, 'read', 9, 'c').ops());
    expect(r.verdict).toBe('invalid');
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]!.kind).toBe('duplicate');
    expect(r.violations[0]!.message).toMatch(/FADD \+4 .* executed 2 times/);
  });

  it('finds a lost acknowledged FADD, and a failed one that executed', () => {
    expect(checkAtMostOnce(clean().final(9, 'read', 4, 'c').ops()).violations.map((v) => v.kind)).toEqual(['lost']);
    expect(checkAtMostOnce(clean().final(9, 'read', 69, 'c').ops()).violations.map((v) => v.kind)).toEqual(['phantom']);
  });

  it('says skipped without a final snapshot, in one line for any number of keys', () => {
    const r = checkAtMostOnce(clean().ops());
    expect(r.verdict).toBe('unknown');
    expect(r.skipped).toMatch(/^1 counter key\(s\) with no final snapshot/);
    const ops: Operation[] = Array.from({ length: 85 }, (_, k) => ({ id: k, process: k, f: 'fadd', key: `k@${k}`, value: 1, result: 0, status: 'ok', call: 2 * k, ret: 2 * k + 1 }));
    const many = checkAtMostOnce(ops);
    expect(many.skipped).toBe('85 counter key(s) with no final snapshot, so executions cannot be counted (k@0 ... k@84)');
    expect(many.summary.split('\n')).toHaveLength(1);
  });

  it('leaves the overall verdict to linearizability when it does not apply', () => {
    const ops: Operation[] = [0, 1, 2].map((k) => ({ id: k, process: k, f: 'fadd', key: 'c', value: 1, result: k, status: 'ok', call: 2 * k, ret: 2 * k + 1 }));
    const c = checkHistory(ops, { format: 'native' });
    expect(c.results.find((r) => r.checker === 'at-most-once')!.skipped).toBeDefined();
    expect(c.verdict).toBe('valid');
    // FADD +1 with a final value: totals agree, executions cannot be decoded: skipped too
    const fin: Operation = { id: 3, process: 9, f: 'read', key: 'c', result: 3, status: 'ok', call: 6, ret: 7, final: true };
    const d = checkHistory([...ops, fin], { format: 'native' });
    expect(d.results.find((r) => r.checker === 'at-most-once')!.skipped).toMatch(/not superincreasing/);
    expect(d.verdict).toBe('valid');
  });
});

describe('at-most-once: CAS register', () => {
  it('finds the double-success CAS of the third-party CAS(1->0) case', () => {
    // p1's CAS(0->1) executes, its ACK is lost; p2 resets 1->0; p1's replay executes again.
    // Observed: both CAS succeed, and the register ends at 1.
    const h = new H()
      .invoke(1, 'cas', [0, 1], 'r')
      .op(2, 'cas', [1, 0], 'ok', 1, 'r')
      .complete(1, 'ok', 0)
      .final(9, 'read', 1, 'r');
    const r = checkAtMostOnce(h.ops());
    expect(r.verdict).toBe('invalid');
    expect(r.violations[0]!.kind).toBe('duplicate');
    expect(r.violations[0]!.message).toMatch(/p1 cas\[r\] \[0,1\].* executed more than once/);
  });

  it('is quiet when the same ops are explained by one execution each', () => {
    const h = new H().op(1, 'cas', [0, 1], 'ok', 0, 'r').op(2, 'cas', [1, 0], 'ok', 1, 'r').final(9, 'read', 0, 'r');
    expect(checkAtMostOnce(h.ops()).verdict).toBe('valid');
  });

  it('finds a phantom value that no op wrote', () => {
    const h = new H().op(1, 'write', 7, 'ok', undefined, 'r').op(2, 'read', undefined, 'ok', 8, 'r').final(9, 'read', 7, 'r');
    expect(checkAtMostOnce(h.ops()).violations.map((v) => v.kind)).toEqual(['phantom']);
  });
});

describe('at-most-once: SEND/RECV', () => {
  const base = (): H => new H().op(1, 'send', 'm1', 'ok', undefined, 'q').op(1, 'send', 'm2', 'ok', undefined, 'q').op(2, 'recv', undefined, 'ok', 'm1', 'q');

  it('finds a duplicated SEND', () => {
    const r = checkAtMostOnce(base().op(2, 'recv', undefined, 'ok', 'm1', 'q').op(2, 'recv', undefined, 'ok', 'm2', 'q').ops());
    expect(r.violations.map((v) => v.kind)).toEqual(['duplicate']);
    expect(r.violations[0]!.message).toMatch(/Message "m1" .* received 2 times/);
  });

  it('is quiet on a clean stream and finds a lost message once the receiver drained', () => {
    expect(checkAtMostOnce(base().op(2, 'recv', undefined, 'ok', 'm2', 'q').final(2, 'recv', null, 'q').ops()).verdict).toBe('valid');
    expect(checkAtMostOnce(base().final(2, 'recv', null, 'q').ops()).violations.map((v) => v.kind)).toEqual(['lost']);
  });
});

describe('at-most-once: a success reported as failure', () => {
  it('names the CAS whose replay found its own value', () => {
    // p1's CAS(0->5) executed, its ACK was lost; the replay found 5 and reported "no swap"
    const h = new H().op(1, 'cas', [0, 5], 'ok', 5, 'r').op(2, 'read', undefined, 'ok', 5, 'r').final(9, 'read', 5, 'r');
    const r = checkAtMostOnce(h.ops());
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]!.message).toMatch(/p1 cas\[r\] \[0,5\].* reported that it did not write 5 .* it took effect, and its success was lost/);
  });
});
