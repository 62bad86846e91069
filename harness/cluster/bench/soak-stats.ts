// The figures of the fabric soak (npm run bench:soak), pure so they are tested without VMs:
// per-minute ops/s from perftest's interval lines, freeze episodes, and the side-by-side table.

export interface RateSample {
  /** ms since the soak started */
  atMs: number;
  opsPerSec: number;
}

export interface Freeze {
  /** ms since the soak started: the last probe reply before the silence */
  sinceMs: number;
  /** when the rail answered again (by itself or after the repair); undefined: never */
  endMs?: number;
  /** the rail came back before any repair */
  selfHealed: boolean;
  /** what the bench did: "none", "recreated rail 0", "restarted node1 node2", ... */
  repair: string;
  /** SSH answered while the rail did not (a fabric freeze), or the node itself was gone */
  kind: 'rail' | 'node';
}

export interface BackendSoak {
  backend: string;
  /** minutes the load ran (the soak's length unless the backend failed) */
  minutesRun: number;
  samples: RateSample[];
  freezes: Freeze[];
  /** longest silence of the probe that did not reach the freeze threshold, s */
  longestGapS: number;
  /** perftest ended on its own (an error completion, a lost handshake) and was started again */
  loadRestarts?: { atMs: number; why: string }[];
  /** the backend could not be soaked (boot failed, ...) */
  error?: string;
  bootSeconds?: number;
}

export interface SoakFigures {
  backend: string;
  minutesRun: number;
  /** minutes until the first freeze; undefined: none */
  firstFreezeMin?: number;
  freezes: number;
  /** seconds the rail was frozen (until it answered again) */
  frozenS: number;
  opsMean: number;
  /** the slowest complete minute (a minute with no report counts 0) */
  opsMinPerMinute: number;
  longestGapS: number;
  loadRestarts: number;
  error?: string;
}

/** Per complete minute: the mean of the interval rates reported in it (0 with none). */
export function perMinute(samples: readonly RateSample[], minutesRun: number): number[] {
  const n = Math.floor(minutesRun + 1e-9);
  const sums = new Array<number>(n).fill(0);
  const counts = new Array<number>(n).fill(0);
  for (const s of samples) {
    const m = Math.floor(s.atMs / 60_000);
    if (m < 0 || m >= n) continue;
    sums[m]! += s.opsPerSec;
    counts[m]! += 1;
  }
  return sums.map((s, i) => (counts[i] ? s / counts[i]! : 0));
}

export function figures(r: BackendSoak): SoakFigures {
  const runMs = r.minutesRun * 60_000;
  // each interval line stands for the time since the previous one: weight by that span, and
  // count time with no report (frozen, repairing) as zero
  let covered = 0;
  let weighted = 0;
  let prev = 0;
  for (const s of [...r.samples].sort((a, b) => a.atMs - b.atMs)) {
    if (s.atMs > runMs) break;
    const span = s.atMs - prev;
    covered += span;
    weighted += span * s.opsPerSec;
    prev = s.atMs;
  }
  const minutes = perMinute(r.samples, r.minutesRun);
  const frozenS = r.freezes.reduce((t, f) => t + ((f.endMs ?? runMs) - f.sinceMs) / 1000, 0);
  return {
    backend: r.backend,
    minutesRun: r.minutesRun,
    firstFreezeMin: r.freezes.length ? r.freezes[0]!.sinceMs / 60_000 : undefined,
    freezes: r.freezes.length,
    frozenS,
    opsMean: runMs > 0 && covered > 0 ? weighted / runMs : 0,
    opsMinPerMinute: minutes.length ? Math.min(...minutes) : 0,
    longestGapS: r.longestGapS,
    loadRestarts: r.loadRestarts?.length ?? 0,
    error: r.error,
  };
}

/** The table, the anchor (vde_switch, the default before the soak) first. */
export function table(rows: readonly SoakFigures[], anchor = 'vde'): string {
  const sorted = [...rows].sort((a, b) => (a.backend === anchor ? -1 : b.backend === anchor ? 1 : 0));
  const base = rows.find((r) => r.backend === anchor);
  const head = ['backend', 'minutes run', 'first freeze', 'freezes', 'frozen s', 'ops/s mean', 'vs anchor', 'ops/s min/minute', 'longest probe gap s', 'load restarts'];
  const lines = sorted.map((r) => {
    if (r.error) return [r.backend, '-', '-', '-', '-', '-', '-', '-', '-', `failed: ${r.error}`];
    const first = r.firstFreezeMin === undefined ? `no freeze in ${fmtMin(r.minutesRun)} min` : `after ${fmtMin(r.firstFreezeMin)} min`;
    const vs = base && base.opsMean > 0 && !base.error ? `${(r.opsMean / base.opsMean).toFixed(2)}x` : '-';
    return [
      r.backend === anchor ? `${r.backend} (anchor)` : r.backend,
      fmtMin(r.minutesRun),
      first,
      String(r.freezes),
      r.frozenS.toFixed(0),
      r.opsMean.toFixed(0),
      vs,
      r.opsMinPerMinute.toFixed(0),
      r.longestGapS.toFixed(1),
      String(r.loadRestarts),
    ];
  });
  const all = [head, ...lines];
  const w = head.map((_, i) => Math.max(...all.map((l) => (l[i] ?? '').length)));
  const row = (l: string[]): string => `| ${l.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
  return [row(head), `| ${w.map((n) => '-'.repeat(n)).join(' | ')} |`, ...lines.map(row)].join('\n');
}

function fmtMin(m: number): string {
  return Number.isInteger(m) ? String(m) : m.toFixed(1);
}

/** perftest's --run_infinitely interval line: `8  19400  0.00  0.03  0.003879` (MsgRate in Mpps). */
export function parseRateLine(line: string): number | undefined {
  const m = /^\s*8\s+\d+\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s*$/.exec(line);
  return m ? Number(m[1]) * 1e6 : undefined;
}

/** busybox ping's reply line: `64 bytes from 10.77.0.2: seq=12 ttl=64 time=1.2 ms` -> 12 */
export function parsePingSeq(line: string): number | undefined {
  const m = /bytes from .*seq=(\d+)/.exec(line);
  return m ? Number(m[1]) : undefined;
}
