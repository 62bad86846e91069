import fc from 'fast-check';
import { ClockSync } from './clock';

const MS = 1_000_000;

test('an agent\'s own order survives offset estimates that jump: converted times are monotone in agent time', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ dt: fc.integer({ min: 0, max: 30 * MS }), back: fc.integer({ min: 0, max: 50 * MS }), jump: fc.integer({ min: -40 * MS, max: 40 * MS }), sample: fc.boolean() }), { minLength: 5, maxLength: 300 }),
      (steps) => {
        const c = new ClockSync();
        let agent = 10_000 * MS;
        let offset = 5_000 * MS;
        const seen: [number, number][] = [];
        for (const s of steps) {
          agent += s.dt;
          if (s.sample) {
            offset += s.jump;
            const local = BigInt(agent - offset);
            c.sample(local - 1000n, local + 1000n, BigInt(agent));
          }
          // events arrive in chunks: a completion now, an invoke from a while back
          const times = [agent, Math.max(0, agent - s.back)];
          for (const t of times) seen.push([t, c.toLocal(BigInt(t))]);
        }
        for (const [a, la] of seen) for (const [b, lb] of seen) if (a < b) expect(la).toBeLessThanOrEqual(lb);
      },
    ),
    { numRuns: 100 },
  );
});

test('the mapping slews to a new estimate instead of stepping, and gets there', () => {
  const c = new ClockSync();
  const agent0 = 1_000 * MS;
  c.sample(0n, 2000n, BigInt(agent0)); // offset ~ agent0 - 1000
  expect(c.toLocal(BigInt(agent0))).toBe(1000);
  const before = c.toLocal(BigInt(agent0 + 100 * MS));
  // the estimate moves 20 ms (the guest clock lost 20 ms against the host's)
  c.sample(BigInt(100 * MS), BigInt(100 * MS) + 1000n, BigInt(agent0 + 100 * MS - 20 * MS));
  const step = c.toLocal(BigInt(agent0 + 101 * MS)) - before;
  expect(step).toBeGreaterThanOrEqual(0.9 * MS - 1); // no 20 ms step
  expect(step).toBeLessThanOrEqual(1.1 * MS + 1);
  let t = agent0 + 100 * MS;
  for (let i = 0; i < 200; i++) c.toLocal(BigInt((t += 10 * MS)));
  const target = t - (agent0 + 80 * MS) + 100 * MS + 500;
  expect(Math.abs(c.toLocal(BigInt(t)) - target)).toBeLessThan(1 * MS);
});

test('every converted time is within uncertaintyNs of the truth, also while slewing and for events from seconds back', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({ dt: fc.integer({ min: 0, max: 300 * MS }), back: fc.integer({ min: 0, max: 5000 * MS }), rtt: fc.integer({ min: 1 * MS, max: 300 * MS }), where: fc.double({ min: 0, max: 1, noNaN: true }), sample: fc.boolean() }),
        { minLength: 5, maxLength: 200 },
      ),
      (steps) => {
        const c = new ClockSync();
        const trueOffset = 7_000 * MS; // agent = controller + trueOffset; the guest clock does not drift
        let local = 100_000 * MS;
        for (const s of steps) {
          local += s.dt;
          if (s.sample) {
            // the agent read its clock somewhere inside the round trip
            const t0 = local - s.rtt;
            c.sample(BigInt(t0), BigInt(local), BigInt(Math.round(t0 + s.where * s.rtt) + trueOffset));
          }
          if (!c.synced) continue;
          for (const l of [local, Math.max(0, local - s.back)]) {
            const got = c.toLocal(BigInt(l + trueOffset));
            expect(Math.abs(got - l)).toBeLessThanOrEqual(c.uncertaintyNs + 1);
          }
        }
      },
    ),
    { numRuns: 200 },
  );
});
