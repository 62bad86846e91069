// The protocol against its own invariants in a seeded simulation (loss, duplication,
// reordering, acceptor restarts), and each bug switch caught by the invariant it breaks.
import fc from 'fast-check';
import { checkPaxos, decodeMsg, encodeMsg, MSG_TYPES, simulatePaxos, type Msg } from '.';
import { nextBallot } from '../../harness/core';

const base = { proposers: 3, acceptors: 3, instances: 20, steps: 4000 };

test('ballots are unique per proposer: i, i+P, i+2P, ...', () => {
  expect([0, 1, 2, 3, 4, 7].map((above) => nextBallot(2, 3, above))).toEqual([2, 2, 5, 5, 5, 8]);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1e6 }), (id, above) => {
      const b = nextBallot(id, 5, above);
      return b > above && b % 5 === id % 5 && b - 5 <= Math.max(above, id - 1);
    }),
  );
});

test('messages round-trip through the 40-byte wire form; a foreign buffer is named as one', () => {
  fc.assert(
    fc.property(fc.constantFrom(...MSG_TYPES), fc.nat(2 ** 32 - 1), fc.array(fc.maxSafeNat(), { minLength: 4, maxLength: 4 }), fc.nat(255), (type, instance, [ballot, value, accBallot, accValue], sender) => {
      const m: Msg = { type, instance, ballot: ballot!, value: value!, accBallot: accBallot!, accValue: accValue!, sender };
      expect(decodeMsg(encodeMsg(m))).toEqual(m);
    }),
  );
  expect(decodeMsg(Buffer.alloc(40))).toBe('type byte 0 names no message');
  expect(decodeMsg(Buffer.alloc(12))).toBe('12 bytes, a message has 40');
});

test('safe under loss, duplication, reordering and acceptor restarts, and it decides', () => {
  let decisions = 0;
  fc.assert(
    fc.property(fc.integer(), (seed) => {
      const r = simulatePaxos({ ...base, seed, loss: 0.2, duplicate: 0.3, crash: 0.01 });
      decisions += r.decisions;
      expect(checkPaxos(r)).toEqual([]);
    }),
    { numRuns: 100 },
  );
  // a simulation that decided nothing would make this test vacuous
  expect(decisions / 100).toBeGreaterThan(10);
});

/** the invariants that caught a bug over `runs` seeds */
function caught(o: Partial<Parameters<typeof simulatePaxos>[0]>, runs: number): Set<string> {
  const seen = new Set<string>();
  for (let seed = 1; seed <= runs; seed++) for (const v of checkPaxos(simulatePaxos({ ...base, seed, loss: 0.2, duplicate: 0.3, crash: 0.02, ...o }))) seen.add(v.invariant);
  return seen;
}

test('bug ignore-highest-accepted is caught by I2 and Agreement', () => {
  const s = caught({ ignoreHighestAccepted: true }, 100);
  expect(s.has('I2')).toBe(true);
  expect(s.has('Agreement')).toBe(true);
  expect(s.has('Validity')).toBe(false);
});

test('bug forget-promises-on-restart is caught by I2 and Agreement', () => {
  const s = caught({ forgetPromisesOnRestart: true, crash: 0.05 }, 200);
  expect(s.has('I2')).toBe(true);
  expect(s.has('Agreement')).toBe(true);
});

test('the checks name the instance and both values, with the records behind them', () => {
  const v = checkPaxos({
    acceptors: 3,
    accepted: [
      { acceptor: 1, instance: 4, ballot: 1, value: 10, source: 'a1' },
      { acceptor: 2, instance: 4, ballot: 1, value: 10, source: 'a2' },
      { acceptor: 3, instance: 4, ballot: 2, value: 20, source: 'a3' },
      { acceptor: 3, instance: 5, ballot: 3, value: 1, source: 'x' },
      { acceptor: 2, instance: 5, ballot: 3, value: 2, source: 'y' },
    ],
    proposed: [{ proposer: 1, instance: 4, value: 10 }, { proposer: 2, instance: 4, value: 20 }],
    decided: [
      { proposer: 1, instance: 4, ballot: 1, value: 10, source: 'd1' },
      { proposer: 2, instance: 4, ballot: 2, value: 20, source: 'd2' },
      { proposer: 2, instance: 5, ballot: 3, value: 7, source: 'd3' },
    ],
  });
  expect(v.map((x) => [x.invariant, x.instance, x.evidence])).toEqual([
    ['I2', 4, ['a1', 'a2', 'a3']],
    ['I1', 5, ['x', 'y']],
    ['Agreement', 4, ['d1', 'a1', 'a2', 'd2', 'a3']],
    ['Validity', 5, ['d3']],
  ]);
  expect(v[0]!.message).toBe('Instance 4: 10 was chosen at ballot 1 (acceptors 1, 2), but acceptor 3 accepted 20 at the higher ballot 2.');
  expect(v[2]!.message).toBe('Instance 4 was decided twice: 10 by proposer 1 (ballot 1) and 20 by proposer 2 (ballot 2).');
});
