import { durationMs, durationToMs } from './duration';

test('durationToMs reads campaign durations, and nothing else', () => {
  expect(durationToMs('250ms')).toBe(250);
  expect(durationToMs('2.5s')).toBe(2500);
  expect(durationToMs('1m')).toBe(60_000);
  expect(durationToMs(40)).toBe(40);
  expect(durationToMs('soon')).toBeUndefined();
  expect(durationToMs(undefined)).toBeUndefined();
  expect(durationMs('1.5h')).toBe(5_400_000);
});
