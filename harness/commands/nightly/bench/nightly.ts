// npm run bench:nightly: a slice of the nightly matrix through `rdma-chaos nightly` on the local
// cluster, booted by the night itself (the cluster is taken down first, so the boot counts).
// Prints wall time, campaigns per hour and the share of the night spent on the cluster (boot and
// each run's acquire), in workloads (agents up to drain) and in checking, next to two anchors
// measured in the same run: the night's bare boot and the campaigns' own planned durations (what
// no runner can go below). Then it extrapolates the whole matrix (every campaign x its
// repetitions) against the 6 h night.
//   BENCH_CAMPAIGNS: comma-separated names from campaigns/nightly (default: a mix of 6)
//   BENCH_STORE (default a temp dir)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSuite } from '../../../campaign';
import { durationMs } from '../../../core';

const ROOT = path.resolve(__dirname, '../../../..').replace(/\/dist$/, '');
const MATRIX = path.join(ROOT, 'campaigns', 'nightly');
const DEFAULT = ['n-counter-packet-loss', 'n-cas-ack-loss', 'n-register-partition', 'n-send-crash', 'fadd-replay', 'cas-replay'];
const wanted = (process.env.BENCH_CAMPAIGNS ?? DEFAULT.join(',')).split(',');

const matrix = loadSuite(MATRIX);
const picked = wanted.map((n) => {
  const e = matrix.entries.find((x) => x.campaign === n);
  if (!e) throw new Error(`BENCH_CAMPAIGNS: no campaign ${n} in ${MATRIX}`);
  return e;
});
const store = process.env.BENCH_STORE ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-bench-nightly-'));
const suite = path.join(store, 'bench-suite.yaml');
fs.writeFileSync(suite, `name: bench-nightly\nrepetitions: 1\nseeds: fresh\ncampaigns:\n${picked.map((e) => `  - ${JSON.stringify(e.file)}`).join('\n')}\n`);

const bin = path.join(ROOT, 'bin', 'rdma-chaos.js');
spawnSync(process.execPath, [bin, 'cluster', 'down'], { stdio: 'ignore' });
const t0 = Date.now();
const r = spawnSync(process.execPath, [bin, 'nightly', suite, '--store', store, '--json', '--quiet'], { encoding: 'utf8', maxBuffer: 64 << 20 });
const wallMs = Date.now() - t0;
const last = r.stdout.trim().split('\n').pop() ?? '';
if (!last.startsWith('{')) {
  process.stderr.write(`nightly failed (exit ${r.status}):\n${r.stderr.slice(-3000)}\n`);
  process.exit(1);
}
const s = JSON.parse(last) as { exitCode: number; outcomes: Record<string, number>; dir: string; phases: { clusterMs: number; workloadMs: number; checkMs: number; otherMs: number } };
const night = JSON.parse(fs.readFileSync(path.join(s.dir, 'night.json'), 'utf8')) as { clusterBootMs?: number; runs: Array<{ campaign: string; durationMs?: number; outcome?: string }> };
const plannedMs = picked.reduce((t, e) => t + e.durationMs, 0);
const pct = (x: number): string => `${((100 * x) / wallMs).toFixed(0)}%`;
const min = (ms: number): string => `${(ms / 60_000).toFixed(1)} min`;
const perRun = (wallMs - (night.clusterBootMs ?? 0)) / picked.length;
const fullRuns = matrix.entries.reduce((t, e) => t + e.repetitions, 0);
const fullMs = (night.clusterBootMs ?? 0) + fullRuns * perRun;
const out = [
  `bench:nightly: ${picked.length} campaigns of campaigns/nightly, local cluster, ${os.cpus().length} cores`,
  `  wall               ${min(wallMs)}  (exit ${s.exitCode}: ${Object.entries(s.outcomes).map(([k, v]) => `${v} ${k}`).join(', ')})`,
  `  campaigns per hour ${((picked.length * 3600_000) / wallMs).toFixed(1)}`,
  `  cluster            ${min(s.phases.clusterMs)}  ${pct(s.phases.clusterMs)}  (the night's boot ${min(night.clusterBootMs ?? 0)}, the rest each run's acquire and heal)`,
  `  workloads          ${min(s.phases.workloadMs)}  ${pct(s.phases.workloadMs)}  (agents up, wiring, the schedule, drain)`,
  `  checking           ${min(s.phases.checkMs)}  ${pct(s.phases.checkMs)}`,
  `  other              ${min(s.phases.otherMs)}  ${pct(s.phases.otherMs)}  (reports, the index, process starts)`,
  `  anchor: bare boot  ${min(night.clusterBootMs ?? 0)};  planned campaign time ${min(plannedMs)} -> the night takes ${(wallMs / plannedMs).toFixed(1)}x it`,
  `  per run            ${(perRun / 1000).toFixed(0)} s`,
  ...night.runs.map((x) => `    ${x.campaign.padEnd(28)} ${((x.durationMs ?? 0) / 1000).toFixed(0).padStart(4)} s  ${x.outcome}`),
  `  whole matrix       ${matrix.entries.length} campaigns x repetitions = ${fullRuns} runs: ~${(fullMs / 3600_000).toFixed(1)} h of the ${(durationMs('6h') / 3600_000).toFixed(0)} h night`,
];
process.stdout.write(out.join('\n') + '\n');
spawnSync(process.execPath, [bin, 'cluster', 'down'], { stdio: 'ignore' });
