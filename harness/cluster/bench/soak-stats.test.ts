// The soak's figures from recorded samples and freezes (the bench itself needs VMs for 30 min).
import { figures, parsePingSeq, parseRateLine, perMinute, table, type BackendSoak } from './soak-stats';

const run = (over: Partial<BackendSoak>): BackendSoak => ({ backend: 'vde', minutesRun: 3, samples: [], freezes: [], longestGapS: 1.2, ...over });

describe('soak figures', () => {
  it('parses perftest interval lines and busybox ping replies, nothing else', () => {
    expect(parseRateLine(' 8          19400            0.00               0.03   \t\t   0.003879')).toBeCloseTo(3879, 3);
    expect(parseRateLine(' #bytes     #iterations    BW peak[MB/sec]    BW average[MB/sec]   MsgRate[Mpps]')).toBeUndefined();
    expect(parseRateLine(' 8          1000             0.04               0.02')).toBeUndefined();
    expect(parsePingSeq('64 bytes from 10.77.0.2: seq=12 ttl=64 time=1.2 ms')).toBe(12);
    expect(parsePingSeq('PING 10.77.0.2 (10.77.0.2): 56 data bytes')).toBeUndefined();
  });

  it('a minute without a report counts as 0 ops/s; the mean weights each line by the time it covers', () => {
    const samples = [
      { atMs: 30_000, opsPerSec: 1000 },
      { atMs: 60_000 - 1, opsPerSec: 3000 },
      // minute 2 frozen: no line
      { atMs: 150_000, opsPerSec: 2000 },
    ];
    expect(perMinute(samples, 3)).toEqual([2000, 0, 2000]);
    const f = figures(run({ samples }));
    expect(f.opsMinPerMinute).toBe(0);
    // 30 s at 1000 + 30 s at 3000 + 90 s at 2000, over 180 s (the last 30 s have no line)
    expect(f.opsMean).toBeCloseTo((30 * 1000 + 30 * 3000 + 90 * 2000) / 180, 0);
  });

  it('freezes: first, count, frozen time (an unhealed one lasts to the end)', () => {
    const f = figures(
      run({
        minutesRun: 30,
        freezes: [
          { sinceMs: 5 * 60_000, endMs: 6 * 60_000, selfHealed: false, repair: 're-created rail 0', kind: 'rail' },
          { sinceMs: 29 * 60_000, selfHealed: false, repair: 'none', kind: 'rail' },
        ],
      }),
    );
    expect(f).toMatchObject({ firstFreezeMin: 5, freezes: 2, frozenS: 120 });
  });

  it('the table puts the anchor first and states "no freeze in N min"', () => {
    const rows = [
      figures(run({ backend: 'bridge', samples: [{ atMs: 180_000, opsPerSec: 2000 }] })),
      figures(run({ backend: 'vde', samples: [{ atMs: 180_000, opsPerSec: 1000 }], freezes: [{ sinceMs: 60_000, selfHealed: true, endMs: 90_000, repair: 'none', kind: 'rail' }] })),
      { ...figures(run({ backend: 'stream' })), error: 'boot: no' },
    ];
    const t = table(rows).split('\n');
    expect(t[2]).toMatch(/^\| vde \(anchor\) /);
    expect(t[2]).toContain('after 1 min');
    expect(t[3]).toContain('no freeze in 3 min');
    expect(t[3]).toContain('2.00x');
    expect(t[4]).toContain('failed: boot: no');
  });
});
