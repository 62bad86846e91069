import { ageToMs, durationMs, durationToMs } from './duration';

test('durationToMs reads campaign durations, and nothing else', () => {
  expect(durationToMs('250ms')).toBe(250);
  expect(durationToMs('2.5s')).toBe(2500);
  expect(durationToMs('1m')).toBe(60_000);
  expect(durationToMs(40)).toBe(40);
  expect(durationToMs('soon')).toBeUndefined();
  expect(durationToMs(undefined)).toBeUndefined();
  expect(durationMs('1.5h')).toBe(5_400_000);
});

test('ageToMs reads days as well as durations, and nothing else', () => {
  expect(ageToMs('30d')).toBe(30 * 86_400_000);
  expect(ageToMs('12h')).toBe(12 * 3_600_000);
  expect(ageToMs('30')).toBeUndefined();
  expect(ageToMs('3w')).toBeUndefined();
  // campaigns still take no days
  expect(durationToMs('1d')).toBeUndefined();
});
