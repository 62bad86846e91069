// npm run bench:checker-scale — generated single-key histories (bench/single-key.ts) at 10k,
// 100k and 1M ops, 16 processes, 0.1% info: counter (FADD +1 and mixed deltas), register and
// cas-register, valid and with one planted violation. Each check runs in a child process
// (bench/scale-run.ts) for its own time and peak RSS, parsing included; then the growth per
// 10x. Env: BENCH_SIZES, BENCH_KINDS, BENCH_TIMEOUT (s, default 60).
//
// Porcupine as the anchor, opt-in and outside this project: PORCUPINE_ANCHOR=path to a binary
// that takes `FILE MODEL TIMEOUT_S` and prints {"verdict","ms","maxRssMb"} (ms: the check
// alone, parsing not counted; optional "note"). The one measured in the README is a small Go
// main over github.com/anishathalye/porcupine (commit 55508eb) that reads these JSONL files,
// gives each info op Return = MaxInt64 and an unknown output (as Jepsen and etcd's robustness
// tests hand indeterminate ops to Porcupine), runs CheckOperationsTimeout with GOMAXPROCS=1,
// and gives up at 4 GB RSS (PORCUPINE_MAX_RSS_MB). Its main.go and go.mod live beside a clone
// of Porcupine in /work/porcupine-anchor on the CI machine; to build it (Go 1.19, Debian's):
//   cd /work/porcupine-anchor   # main.go, go.mod (replace ... => ./porcupine), porcupine/
//   git -C porcupine checkout 55508eb && go build -o porcupine-anchor .
//   PORCUPINE_ANCHOR=$PWD/porcupine-anchor npm run bench:checker-scale
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeSingleKeyHistory, type ScaleKind } from './single-key';

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const KINDS = (process.env.BENCH_KINDS ?? 'counter,counter-mixed,register,cas-register').split(',') as ScaleKind[];
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT ?? 60);
const anchor = process.env.PORCUPINE_ANCHOR;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-scale-'));
const modelOf = (k: ScaleKind): string => (k.startsWith('counter') ? 'counter' : k);

interface Run { verdict: string; linearizable: string; loadMs: number; checkMs: number; wallMs: number; cpuMs: number; maxRssMb: number }

function measure(file: string, model: string): Run {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'scale-run.js'), file, model, String(TIMEOUT_S)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as Run;
}

function porcupine(file: string, model: string): string {
  if (!anchor) return 'anchor: not available';
  try {
    const out = execFileSync(anchor, [file, model, String(TIMEOUT_S)], { encoding: 'utf8', timeout: (TIMEOUT_S + 60) * 1000 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { verdict: string; ms: number; maxRssMb?: number; note?: string };
    return `porcupine ${r.verdict} ${(r.ms / 1000).toFixed(2)} s${r.maxRssMb !== undefined ? `, ${r.maxRssMb.toFixed(0)} MB` : ''}${r.note ? ` (${r.note})` : ''}`;
  } catch (e: unknown) {
    return `porcupine failed: ${(e as Error).message.split('\n')[0]}`;
  }
}

const pad = (s: string, n: number): string => s.padEnd(n);
console.log(`single-key histories, 16 processes, 0.1% info; budget ${TIMEOUT_S} s; wall and cpu include parsing; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(pad('history', 30) + pad('ops', 9) + pad('verdict', 9) + pad('wall s', 8) + pad('cpu s', 8) + pad('check s', 9) + pad('RSS MB', 8) + 'anchor');
try {
  for (const kind of KINDS) {
    for (const plant of [undefined, kind === 'counter' || kind === 'counter-mixed' ? 'duplicate' : 'stale'] as const) {
      const walls: number[] = [];
      const cpus: number[] = [];
      for (const n of SIZES) {
        const file = path.join(dir, `${kind}-${n}${plant ? '-' + plant : ''}.jsonl`);
        writeSingleKeyHistory(file, { kind, ops: n, seed: 7, ...(plant ? { plant } : {}) });
        const r = measure(file, modelOf(kind));
        walls.push(r.wallMs);
        cpus.push(r.cpuMs);
        // per 10x, by the wall clock and by the CPU the check got (the fair one on a shared host)
        const k = walls.length - 2;
        const growth = k >= 0 ? `  x${(r.wallMs / walls[k]!).toFixed(1)} wall, x${(r.cpuMs / cpus[k]!).toFixed(1)} cpu per 10x` : '';
        console.log(pad(`${kind}${plant ? ' +' + plant : ''}`, 30) + pad(String(n), 9) + pad(r.linearizable, 9) + pad((r.wallMs / 1000).toFixed(2), 8) + pad((r.cpuMs / 1000).toFixed(2), 8) + pad((r.checkMs / 1000).toFixed(2), 9) + pad(r.maxRssMb.toFixed(0), 8) + porcupine(file, modelOf(kind)) + growth);
        fs.rmSync(file);
      }
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
