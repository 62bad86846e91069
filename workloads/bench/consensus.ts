// npm run bench:consensus: both consensus workloads on the local cluster through `rdma-chaos
// run`, each with a stable leader and with every node proposing, no faults. From each run's
// history: decisions per second (distinct slots over the span of the decisions) and commit
// latency p50/p99 (the gap between one proposer's consecutive decisions: it runs its slots
// back to back). The anchor, measured on the same nodes in the same bench: the one-sided 8-byte
// READ round trip at depth 1. Goals (issue 12): a stable leader's p50 within 6 round trips
// (Disk Paxos) and 4 (Paxos).
//   BENCH_SECONDS: each run's duration (default 30)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { consensusNodes, median, p99, readRoundTripMs } from '../test-support';

const ROOT = path.resolve(__dirname, '../..').replace(/\/dist$/, '');
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const store = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-bench-consensus-'));
const bin = path.join(ROOT, 'bin', 'rdma-chaos.js');

const RUNS: { name: string; protocol: string; workload: string }[] = [
  { name: 'disk-paxos, stable leader', protocol: 'disk-paxos', workload: 'disks: [node1, node2, node3]\n    leader: node1\n    follow: 1h\n    takeover: 1h' },
  { name: 'disk-paxos, 3 dueling', protocol: 'disk-paxos', workload: 'disks: [node1, node2, node3]' },
  { name: 'paxos, stable leader', protocol: 'paxos', workload: 'proposers: [node1]' },
  { name: 'paxos, 3 dueling', protocol: 'paxos', workload: 'proposers: [node1, node2, node3]' },
];

function campaign(r: (typeof RUNS)[number], i: number): string {
  const file = path.join(store, `bench-${i}.yaml`);
  fs.writeFileSync(
    file,
    `name: bench-consensus-${i}\nduration: ${seconds}s\nseed: 20261207\ncluster: { nodes: 3, rails: 2 }\npolicy: none\nqp: { timeout: 14, retry_cnt: 7 }\nop_timeout: 4s\n` +
      `workloads:\n  - workload: ${r.protocol}\n    clients: [node1, node2, node3]\n    depth: 8\n    ${r.workload}\n`,
  );
  return file;
}

/** decide events per decider: rate and the gaps between one decider's decisions */
function figures(dir: string): { slots: number; perSec: number; gaps: number[] } {
  const by = new Map<number, number[]>();
  const slots = new Set<string>();
  for (const line of fs.readFileSync(path.join(dir, 'history.jsonl'), 'utf8').split('\n')) {
    if (!line.includes('"decide"')) continue;
    const e = JSON.parse(line) as { type: string; process: number; key: string; time: number };
    if (e.type !== 'ok') continue;
    slots.add(e.key);
    (by.get(e.process) ?? by.set(e.process, []).get(e.process)!).push(e.time);
  }
  const all = [...by.values()].flat().sort((a, b) => a - b);
  const gaps = [...by.values()].flatMap((ts) => ts.slice(1).map((t, k) => (t - ts[k]!) / 1e6));
  const spanS = all.length > 1 ? (all[all.length - 1]! - all[0]!) / 1e9 : NaN;
  return { slots: slots.size, perSec: slots.size / spanS, gaps };
}

async function main(): Promise<void> {
  // the anchor first, on the same three nodes (the cluster stays up for the runs)
  const n = await consensusNodes('bench', 4096);
  const rtt = median([await readRoundTripMs(n.agents[0]!, n.agents[1]!, 'bench'), await readRoundTripMs(n.agents[1]!, n.agents[2]!, 'bench'), await readRoundTripMs(n.agents[2]!, n.agents[0]!, 'bench')]);
  await n.stop();
  const lines = [`bench:consensus: ${seconds} s per run, local cluster, ${os.cpus().length} cores`, `  anchor: one-sided READ round trip p50 ${rtt.toFixed(2)} ms (8 bytes, depth 1, node1->node2, node2->node3, node3->node1)`];
  for (const [i, r] of RUNS.entries()) {
    const p = spawnSync(process.execPath, [bin, 'run', campaign(r, i), '--store', store, '--json', '--quiet'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const last = p.stdout.trim().split('\n').pop() ?? '';
    if (!last.startsWith('{')) throw new Error(`${r.name}: no JSON summary (exit ${p.status}):\n${p.stderr.slice(-2000)}`);
    const s = JSON.parse(last) as { dir: string; verdict: string };
    const f = figures(s.dir);
    const p50 = median(f.gaps);
    lines.push(
      `  ${r.name.padEnd(26)} ${f.perSec.toFixed(1).padStart(6)} decisions/s (${f.slots} slots), commit p50 ${p50.toFixed(1)} ms = ${(p50 / rtt).toFixed(0)} round trips, p99 ${p99(f.gaps).toFixed(1)} ms; verdict ${s.verdict}`,
    );
  }
  lines.push(
    '  why not ~2 round trips (Mu on hardware): the roles run in the controller, so each protocol step is a controller -> agent RPC',
    '  over the guests\' TCP (a slice per lane) plus TCG-emulated SoftRoCE, not a posted verb on the critical path; a Disk Paxos slot is',
    '  2 phases x (write, then read the others\' blocks) on a majority, a Paxos slot 2 message rounds, each through that RPC.',
    `  run directories: ${store}`,
  );
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:consensus: ${(e as Error).message}\n`);
  process.exit(1);
});
