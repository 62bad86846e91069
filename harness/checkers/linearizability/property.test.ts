// The search against a brute-force oracle on thousands of small random histories with
// indeterminate and failed ops, for every model.
import fc from 'fast-check';
import { checkLinearizability } from '.';
import type { OpF } from '../../core';
import { getModel } from '../models';
import { bruteLinearizable, randomHistory as history, type Spec } from '../test-support';
import { prepareEntries } from './entries';

const small = fc.constantFrom(0, 1, 2);

const specs: Record<string, fc.Arbitrary<Spec>> = {
  register: fc.oneof(
    small.map((v) => ({ f: 'write' as OpF, value: v })),
    fc.option(small, { freq: 6 }).map((r) => ({ f: 'read' as OpF, ...(r === null ? {} : { result: r }) })),
  ),
  'cas-register': fc.oneof(
    small.map((v) => ({ f: 'write' as OpF, value: v })),
    fc.tuple(small, small).map(([a, b]) => ({ f: 'cas' as OpF, value: [a, b] })),
    fc.tuple(small, small, small).map(([a, b, old]) => ({ f: 'cas' as OpF, value: [a, b], result: old })),
    fc.option(small, { freq: 6 }).map((r) => ({ f: 'read' as OpF, result: r })),
  ),
  etcd: fc.oneof(
    small.map((v) => ({ f: 'write' as OpF, value: v })),
    fc.tuple(small, small, fc.boolean()).map(([a, b, ok]) => ({ f: 'cas' as OpF, value: [a, b], result: ok })),
    fc.option(small, { freq: 4 }).map((r) => ({ f: 'read' as OpF, result: r })),
  ),
  counter: fc.oneof(
    fc.tuple(fc.constantFrom(1, 2, 4), fc.option(fc.integer({ min: 0, max: 7 }), { freq: 5 })).map(([d, old]) => ({ f: 'fadd' as OpF, value: d, ...(old === null ? {} : { result: old }) })),
    fc.integer({ min: 0, max: 7 }).map((r) => ({ f: 'read' as OpF, result: r })),
  ),
  kv: fc.oneof(
    fc.tuple(fc.constantFrom('a', 'b'), fc.constantFrom('x', 'y')).map(([k, v]) => ({ f: 'put' as OpF, key: k, value: v })),
    fc.tuple(fc.constantFrom('a', 'b'), fc.constantFrom('x', 'y')).map(([k, v]) => ({ f: 'append' as OpF, key: k, value: v })),
    fc.tuple(fc.constantFrom('a', 'b'), fc.constantFrom('', 'x', 'y', 'xy', 'yx', 'xx')).map(([k, r]) => ({ f: 'get' as OpF, key: k, result: r })),
  ),
  queue: fc.oneof(
    fc.constantFrom(1, 2, 3).map((v) => ({ f: 'send' as OpF, value: v })),
    fc.constantFrom(1, 2, 3).map((r) => ({ f: 'recv' as OpF, result: r })),
  ),
  mutex: fc.constantFrom<Spec>({ f: 'acquire' }, { f: 'release' }),
};
specs['kv-nopart'] = specs.kv!;

describe.each(Object.keys(specs))('search agrees with brute force: %s', (name) => {
  it('on 1500 random histories with indeterminate and failed ops', () => {
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(history(specs[name]!), (ops) => {
        const model = getModel(name);
        const want = bruteLinearizable(getModel(name), ops);
        const got = checkLinearizability(model, ops, { timeoutMs: 10_000, explain: false }).verdict;
        if (want) valid++;
        else invalid++;
        return got === (want ? 'valid' : 'invalid');
      }),
      { numRuns: 1500, seed: 4242 },
    );
    // both verdicts must be well represented, or the property says little
    expect(valid).toBeGreaterThan(100);
    expect(invalid).toBeGreaterThan(100);
  });
});

// The CAS register drops indeterminate writes of values nobody observed (models/register.ts).
// Wider values than above make such writes common: the search with the drop must still agree
// with brute force, which never drops anything.
it('cas-register: dropping unobserved indeterminate writes agrees with brute force', () => {
  const wide = fc.constantFrom(0, 1, 2, 3, 4, 5);
  const spec: fc.Arbitrary<Spec> = fc.oneof(
    wide.map((v) => ({ f: 'write' as OpF, value: v })),
    fc.tuple(wide, wide, wide).map(([a, b, old]) => ({ f: 'cas' as OpF, value: [a, b], result: old })),
    wide.map((r) => ({ f: 'read' as OpF, result: r })),
  );
  const model = getModel('cas-register');
  let dropped = 0;
  let valid = 0;
  fc.assert(
    fc.property(history(spec), (ops) => {
      const kept = prepareEntries(model, ops).length;
      if (kept < ops.filter((o) => o.status !== 'fail' && !(o.status === 'info' && o.f === 'read')).length) dropped++;
      const want = bruteLinearizable(model, ops);
      if (want) valid++;
      return checkLinearizability(model, ops, { timeoutMs: 10_000, explain: false }).verdict === (want ? 'valid' : 'invalid');
    }),
    { numRuns: 4000, seed: 77 },
  );
  expect(dropped).toBeGreaterThan(500);
  expect(valid).toBeGreaterThan(200);
  expect(4000 - valid).toBeGreaterThan(200);
});

// Program order: with intervals that overlap within a process, the search must take each
// process's ops in order, exactly as the oracle does.
describe.each(['cas-register', 'register', 'counter', 'queue'])('program order of shared processes agrees with brute force: %s', (name) => {
  it('on 1500 random histories where 2 processes share the ops', () => {
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(history(specs[name]!, 2), (ops) => {
        const want = bruteLinearizable(getModel(name), ops);
        if (want) valid++;
        else invalid++;
        return checkLinearizability(getModel(name), ops, { timeoutMs: 10_000, explain: false }).verdict === (want ? 'valid' : 'invalid');
      }),
      { numRuns: 1500, seed: 99 },
    );
    expect(valid).toBeGreaterThan(100);
    expect(invalid).toBeGreaterThan(100);
  });
});

// Shortcuts of long single-key histories, each given cases built to break it: pins (an FADD's
// old value, a read's value) with info FADDs that can fill or not fill a gap; info ops of one
// input from many processes (only one of them is tried at a node); RDMA CAS ops whose old
// value differs from the expected one (searched as reads); all against brute force.
describe.each([
  ['counter', fc.tuple(fc.constant(1), fc.option(fc.integer({ min: 0, max: 5 }), { freq: 8 })).map(([d, old]): Spec => ({ f: 'fadd', value: d, ...(old === null ? {} : { result: old }) }))],
  ['cas-register', fc.oneof(
    fc.tuple(small, small, small).map(([a, b, old]): Spec => ({ f: 'cas', value: [a, b], result: old })),
    fc.tuple(small, small).map(([a, b]): Spec => ({ f: 'cas', value: [a, b] })),
    small.map((r): Spec => ({ f: 'read', result: r })),
  )],
] as const)('single-key shortcuts agree with brute force: %s', (name, spec) => {
  it.each([undefined, 2, 3])('with %s shared processes', (processes) => {
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(history(spec as fc.Arbitrary<Spec>, processes), (ops) => {
        const want = bruteLinearizable(getModel(name), ops);
        if (want) valid++;
        else invalid++;
        return checkLinearizability(getModel(name), ops, { timeoutMs: 10_000, explain: false }).verdict === (want ? 'valid' : 'invalid');
      }),
      { numRuns: 2000, seed: 15 },
    );
    expect(valid).toBeGreaterThan(100);
    expect(invalid).toBeGreaterThan(100);
  });
});
