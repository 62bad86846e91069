// The progress line: on a terminal it is erased and rewritten within the terminal's width, so
// a narrow terminal gets no stale rows; in a log it is a plain line every few seconds.
import { startProgress, statusLine } from './progress';

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

describe('startProgress', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const source = { ops: (): number => 123_456, activeFaults: (): string[] => ['f1-packet-loss@node1', 'f2-nic-failover@node2', 'f3-partition@node3'] };

  test('on a 50-column terminal every tick rewrites one row in place', () => {
    const writes: string[] = [];
    const out = { write: (s: string) => writes.push(s), isTTY: true, columns: 50 };
    const stop = startProgress(out, source, Date.now(), 60_000);
    jest.advanceTimersByTime(3_000);
    stop();
    const ticks = writes.slice(0, -1);
    expect(ticks).toHaveLength(4);
    for (const w of ticks) {
      expect(w).toMatch(/^\r\x1b\[2K\[ +\d+s\] ops 123,456/);
      expect(w.slice(5).length).toBeLessThanOrEqual(49);
      expect(w).not.toContain('\n');
    }
    expect(writes.at(-1)).toBe('\n');
  });

  test('in a log (no tty) a plain full line every 5 s, no escape codes', () => {
    const writes: string[] = [];
    const stop = startProgress({ write: (s: string) => writes.push(s) }, source, Date.now(), 60_000);
    jest.advanceTimersByTime(10_000);
    stop();
    expect(writes.length).toBe(3);
    for (const w of writes) {
      expect(w).toMatch(/faults: f1-packet-loss@node1, f2-nic-failover@node2, f3-partition@node3 {2}left \d+s\n$/);
      expect(w).not.toContain('\x1b');
    }
  });
});
