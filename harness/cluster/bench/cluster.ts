// npm run bench:cluster: time to a usable local cluster (3 nodes, 2 rails: `cluster up` until
// every node answers over SSH with rxe0 and rxe1 ACTIVE) next to the bare boot of the very same
// VMs (qemu start to the READY line on the console, no SSH), both measured in this run.
// Rounds alternate A B B A ... so drift in host load hits both sides alike.
// Target: usable under 15 s, and at most 1.3x the bare boot.
//   BENCH_ROUNDS (default 3), BENCH_NODES (3), BENCH_RAILS (2), BENCH_ACCEL (auto)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clusterDown, clusterUp } from '../local';
import { resolveUpConfig } from '../local/config';
import { waitForLine, fileSize } from '../local/console';
import { nodeRecords, nodeSpec } from '../local/nodes';
import { killOwned, scanOwned, type OwnedProc } from '../local/procs';
import { READY_MARK, startQemu, type Accel } from '../local/qemu';
import { ownMarker, type FabricRecord } from '../local/state';
import { fabricPrograms, sweepFabrics } from '../local/fabric';
import type { AccelMode } from '../local/accel';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const NODES = Number(process.env.BENCH_NODES ?? 3);
const RAILS = Number(process.env.BENCH_RAILS ?? 2);
const ACCEL = (process.env.BENCH_ACCEL ?? 'auto') as AccelMode;
const UP_DIR = '/run/rdma-chaos/bench-up';
const BARE_DIR = '/run/rdma-chaos/bench-bare';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const f1 = (x: number): string => x.toFixed(2);

/** `cluster up` from the call to usable; the cluster is taken down afterwards (not timed). */
async function usable(): Promise<{ seconds: number; accel: Accel; perNode: string }> {
  const r = await clusterUp({ nodes: NODES, rails: RAILS, accel: ACCEL, stateDir: UP_DIR, sshPortBase: 22500 });
  const seconds = (r.timings.usableAt - r.timings.commandAt) / 1000;
  const perNode = r.timings.nodes
    .map((n) => `${n.name} ready ${f1((n.readyAt - n.startedAt) / 1000)} usable ${f1((n.usableAt - n.startedAt) / 1000)}`)
    .join(', ');
  await r.driver.close();
  await clusterDown(UP_DIR);
  return { seconds, accel: r.state.accel, perNode };
}

/** The same VMs on the same fabric, from the first qemu start until every node printed READY. */
async function bare(accel: Accel): Promise<number> {
  fs.rmSync(BARE_DIR, { recursive: true, force: true });
  const cfg = await resolveUpConfig({ nodes: NODES, rails: RAILS, stateDir: BARE_DIR, sshPortBase: 22520 });
  const marker = ownMarker(BARE_DIR);
  const procs: OwnedProc[] = [];
  const fabrics: FabricRecord[] = [];
  const shared = path.join(BARE_DIR, 'shared');
  fs.mkdirSync(shared, { recursive: true });
  try {
    for (let rail = 0; rail < RAILS; rail++) {
      fabrics.push(await cfg.fabric.start(rail, { stateDir: BARE_DIR, marker, nodes: NODES, record: () => undefined }));
    }
    procs.push(...fabrics.flatMap((f) => f.procs));
    const nodes = nodeRecords(cfg);
    const t0 = Date.now();
    const waits = nodes.map((n) => {
      fs.mkdirSync(n.dir, { recursive: true });
      const from = fileSize(n.consoleLog);
      const s = startQemu(nodeSpec(cfg, n, fabrics, accel, shared), marker);
      if (s.proc) procs.push(s.proc);
      let dead = false;
      void s.exited.then(() => (dead = true));
      return waitForLine(n.consoleLog, READY_MARK, { from, deadline: t0 + 600_000, dead: () => dead });
    });
    const res = await Promise.all(waits);
    const bad = res.find((r) => r.kind !== 'line');
    if (bad) throw new Error(`bare boot failed: ${bad.kind}`);
    return (Math.max(...res.map((r) => (r.kind === 'line' ? r.at : 0))) - t0) / 1000;
  } finally {
    await killOwned([...procs, ...scanOwned(marker, ['qemu-system-x86_64', ...fabricPrograms()])]);
    // a backend with parts beyond processes (the bridge's netns)
    for (const f of fabrics) await cfg.fabric.stop?.(f);
    await sweepFabrics(BARE_DIR);
    fs.rmSync(BARE_DIR, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const others = scanOwned('', ['qemu-system-x86_64']).length;
  console.log(`bench:cluster  ${NODES} nodes, ${RAILS} rails, ${ROUNDS} rounds, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (others > 0) console.log(`note: ${others} other qemu process(es) already running on this host; figures include their load`);
  const ups: number[] = [];
  const bares: number[] = [];
  let accel: Accel | undefined;
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 === 0 ? ['up', 'bare'] : ['bare', 'up'];
    for (const what of order) {
      if (what === 'up') {
        const u = await usable();
        accel = u.accel; // round 1 starts with `up`: bare boots use the accelerator it chose
        ups.push(u.seconds);
        console.log(`round ${i + 1}  usable cluster  ${f1(u.seconds)} s   (${u.perNode})`);
      } else {
        const b = await bare(accel ?? 'tcg');
        bares.push(b);
        console.log(`round ${i + 1}  bare boot       ${f1(b)} s   (qemu start to READY on every console)`);
      }
    }
  }
  const mu = median(ups);
  const mb = median(bares);
  console.log('');
  console.log(`usable ${NODES}-node ${RAILS}-rail cluster (median): ${f1(mu)} s   [target < 15 s: ${mu < 15 ? 'met' : 'MISSED'}]`);
  console.log(`bare boot of the same VMs (median):      ${f1(mb)} s`);
  console.log(`ratio usable / bare:                     ${(mu / mb).toFixed(2)}x   [target <= 1.3x: ${mu / mb <= 1.3 ? 'met' : 'MISSED'}]`);
  console.log(`accelerator: ${accel}; load after: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

main().catch(async (e: unknown) => {
  console.error(`bench:cluster failed: ${(e as Error).message}`);
  await clusterDown(UP_DIR).catch(() => undefined);
  process.exitCode = 1;
});
