// The progress line: on a terminal it is erased and rewritten each second within the terminal's
// width, so a narrow terminal gets no stale rows; in a log it is a plain line every 10 s and one
// at the end; with quiet, nothing. Fake timers drive the clock (Date.now too).
import { checkProgress } from './check';
import { progressLine, startProgress, statusLine, type OpCounts } from './progress';

const long = 'x'.repeat(300);

test('a status line clears the row and fits the width, less one column', () => {
  for (const columns of [40, 80, 200]) {
    const s = statusLine(long, columns);
    expect(s.startsWith('\r\x1b[2K')).toBe(true);
    expect(s.slice(5).length).toBe(columns - 1);
    expect(s.endsWith('…')).toBe(true);
  }
  expect(statusLine('short', 40)).toBe('\r\x1b[2Kshort');
  expect(statusLine(long, undefined).slice(5).length).toBe(79);
});

test('the line shows elapsed against planned, ops and rate, ok/info/fail and the faults', () => {
  expect(progressLine(12_700, 20_000, { ok: 1200, info: 30, fail: 4 }, 56, [])).toBe('[ 12s/20s] ops 1,234 (56/s)  ok 1,200 info 30 fail 4  faults: none');
  // the elapsed column is as wide at 5 s as past the plan (a lagging schedule runs up to 2x)
  expect(progressLine(5_000, 600_000, { ok: 0, info: 0, fail: 0 }, 0, ['f1@node1'])).toMatch(/^\[ {3}5s\/600s\] .* faults: f1@node1$/);
  expect(progressLine(1_100_000, 600_000, { ok: 0, info: 0, fail: 0 }, 0, [])).toMatch(/^\[1100s\/600s\] /);
});

describe('startProgress', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const faults = ['f1-packet-loss@node1', 'f2-nic-failover@node2', 'f3-partition@node3'];
  /** 100 completions a second: 90 ok, 7 info, 3 fail, counted from when the run started */
  const source = (t0: number): { counts(): OpCounts; activeFaults(): string[] } => ({
    counts: () => {
      const s = Math.floor((Date.now() - t0) / 1000);
      return { ok: 90 * s, info: 7 * s, fail: 3 * s };
    },
    activeFaults: () => faults,
  });

  test('on a 50-column terminal every second rewrites one row in place, then ends it', () => {
    const writes: string[] = [];
    const out = { write: (s: string) => writes.push(s), isTTY: true, columns: 50 };
    const t0 = Date.now();
    const stop = startProgress(out, source(t0), { startedAt: t0, plannedMs: 60_000 });
    jest.advanceTimersByTime(3_000);
    stop();
    const ticks = writes.slice(0, -1);
    // three ticks and the last line at stop
    expect(ticks).toHaveLength(4);
    expect(ticks[0]).toBe(statusLine('[  1s/60s] ops 100 (100/s)  ok 90 info 7 fail 3  faults: f1-packet-loss@node1, f2-nic-failover@node2, f3-partition@node3', 50));
    for (const w of ticks) {
      expect(w).toMatch(/^\r\x1b\[2K\[ +\d+s\/60s\] ops \d+/);
      expect(w.slice(5).length).toBeLessThanOrEqual(49);
      expect(w).not.toContain('\n');
    }
    expect(ticks[2]).toContain('[  3s/60s] ops 300 (100/s)  ok 270 info 21');
    expect(writes.at(-1)).toBe('\n');
  });

  test('in a log (no tty) a plain full line every 10 s and one at the end, no escape codes', () => {
    const writes: string[] = [];
    const t0 = Date.now();
    const stop = startProgress({ write: (s: string) => writes.push(s) }, source(t0), { startedAt: t0, plannedMs: 60_000 });
    jest.advanceTimersByTime(9_999);
    expect(writes).toEqual([]);
    jest.advanceTimersByTime(25_001);
    expect(writes).toHaveLength(3);
    stop();
    expect(writes).toEqual([
      '[ 10s/60s] ops 1,000 (100/s)  ok 900 info 70 fail 30  faults: f1-packet-loss@node1, f2-nic-failover@node2, f3-partition@node3\n',
      '[ 20s/60s] ops 2,000 (100/s)  ok 1,800 info 140 fail 60  faults: f1-packet-loss@node1, f2-nic-failover@node2, f3-partition@node3\n',
      '[ 30s/60s] ops 3,000 (100/s)  ok 2,700 info 210 fail 90  faults: f1-packet-loss@node1, f2-nic-failover@node2, f3-partition@node3\n',
      '[ 35s/60s] ops 3,500 (100/s)  ok 3,150 info 245 fail 105  faults: f1-packet-loss@node1, f2-nic-failover@node2, f3-partition@node3\n',
    ]);
  });

  test('the last line just after a tick keeps the rate of the interval before it', () => {
    const writes: string[] = [];
    const t0 = Date.now();
    const stop = startProgress({ write: (s: string) => writes.push(s) }, source(t0), { startedAt: t0, plannedMs: 20_000 });
    jest.advanceTimersByTime(10_000);
    stop();
    expect(writes).toHaveLength(2);
    expect(writes[1]).toMatch(/^\[ 10s\/20s\] ops 1,000 \(100\/s\)/);
  });

  test('quiet prints nothing, on a terminal or in a log, and stops cleanly', () => {
    for (const isTTY of [true, false]) {
      const writes: string[] = [];
      const t0 = Date.now();
      const stop = startProgress({ write: (s: string) => writes.push(s), isTTY, columns: 80 }, source(t0), { startedAt: t0, plannedMs: 60_000, quiet: true });
      jest.advanceTimersByTime(60_000);
      stop();
      expect(writes).toEqual([]);
      expect(jest.getTimerCount()).toBe(0);
    }
  });

  test('quiet silences the check stage progress too', () => {
    const writes: string[] = [];
    const p = checkProgress({ write: (s) => writes.push(s), isTTY: true, columns: 80 }, { quiet: true });
    p({ phase: 'read', bytes: 5e6, total: 10e6 });
    jest.advanceTimersByTime(2_000);
    p({ phase: 'search', model: 'counter', placed: 1, total: 2, steps: 3, partitionsLeft: 1, partitions: 1 });
    p.done();
    expect(writes).toEqual([]);
  });
});
