// npm run bench:at-most-once — writes a 1,000,000-op FADD history (2M events, 16 processes,
// base-4 deltas per key, some indeterminate ops, one planted duplicate), then times
// `rdma-chaos check`'s at-most-once pass on it in a fresh process: read + parse + pair + check,
// with the process's peak RSS and CPU time. Target: under 10 s and 1 GB. The host is shared,
// so it also prints the load average and an anchor: JSON.parse of every line alone, in a
// process of its own.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const N = Number(process.env.BENCH_OPS ?? 1_000_000);

function generate(file: string): void {
  const fd = fs.openSync(file, 'w');
  const PROCS = 16;
  const PER_KEY = 26; // 4^25 < 2^53: deltas stay exact as JSON numbers
  let t = 0;
  let buf = '';
  const flush = (): void => {
    fs.writeSync(fd, buf);
    buf = '';
  };
  const values = new Map<number, number>();
  for (let n = 0; n < N; n += PROCS) {
    // a round: 16 concurrent FADDs, invoked together, completed together
    const round: { p: number; key: number; delta: number; info: boolean; dup: boolean }[] = [];
    for (let p = 0; p < PROCS && n + p < N; p++) {
      const i = n + p;
      const key = Math.floor(i / PER_KEY);
      round.push({ p, key, delta: 4 ** (i % PER_KEY), info: i % 997 === 13, dup: i === Math.floor(N / 2) });
    }
    for (const r of round) buf += `{"type":"invoke","process":${r.p},"f":"fadd","node":"n${r.p % 3}","key":${r.key},"value":${r.delta},"time":${++t}}\n`;
    for (const r of round) {
      const old = values.get(r.key) ?? 0;
      values.set(r.key, old + r.delta * (r.dup ? 2 : 1));
      buf += r.info
        ? `{"type":"info","process":${r.p},"f":"fadd","node":"n${r.p % 3}","key":${r.key},"value":${r.delta},"error":"IBV_WC_RETRY_EXC_ERR","time":${++t}}\n`
        : `{"type":"ok","process":${r.p},"f":"fadd","node":"n${r.p % 3}","key":${r.key},"value":${r.delta},"result":${old},"time":${++t},"rdma":{"rail":0,"qpn":17,"wrId":${n + r.p}}}\n`;
    }
    if (buf.length > 1 << 20) flush();
  }
  for (const [key, v] of values) {
    buf += `{"type":"invoke","process":99,"f":"read","key":${key},"time":${++t}}\n{"type":"ok","process":99,"f":"read","key":${key},"result":${v},"final":true,"time":${++t}}\n`;
    if (buf.length > 1 << 20) flush();
  }
  flush();
  fs.closeSync(fd);
}

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-amo-'));
  try {
    const file = path.join(dir, 'fadd-1m.jsonl');
    const g0 = Date.now();
    generate(file);
    console.log(`generated ${N.toLocaleString()} FADD ops (${(fs.statSync(file).size / 1e6).toFixed(0)} MB) in ${((Date.now() - g0) / 1000).toFixed(1)} s`);
    const runner = path.join(__dirname, 'at-most-once-run.js');
    const load0 = os.loadavg()[0]!;
    const r = spawnSync(process.execPath, ['--max-old-space-size=1024', runner, file], { encoding: 'utf8' });
    const load1 = os.loadavg()[0]!;
    if (r.status !== 0) {
      console.log(r.stdout, r.stderr);
      process.exitCode = 1;
      return;
    }
    const m = JSON.parse(r.stdout) as { parseMs: number; checkMs: number; totalMs: number; cpuMs: number; rssMB: number; verdict: string; violations: string[] };
    const a = spawnSync(process.execPath, [runner, file, '--anchor'], { encoding: 'utf8' });
    const anchor = a.status === 0 ? `${((JSON.parse(a.stdout) as { ms: number }).ms / 1000).toFixed(2)} s` : 'failed';
    const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    console.log(`at-most-once on ${N.toLocaleString()} ops: total ${s(m.totalMs)} (read+parse+pair ${s(m.parseMs)}, check ${s(m.checkMs)}), CPU ${s(m.cpuMs)}, peak RSS ${m.rssMB.toFixed(0)} MB   target: < 10 s and < 1024 MB`);
    console.log(`anchor: JSON.parse of every line alone (no validation, no pairing) ${anchor}`);
    console.log(`load average (1 min) ${load0.toFixed(2)} before, ${load1.toFixed(2)} after, on ${os.cpus().length} cores`);
    console.log(`verdict ${m.verdict}: ${m.violations.join(' | ')}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
