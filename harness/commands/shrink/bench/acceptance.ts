// npm run bench:shrink: issue 14's shrink acceptance on the local cluster. Runs
// campaigns/shrink/cas-replay-noisy.yaml until a run shows the CAS double success, shrinks that
// run (`rdma-chaos shrink --runs 3 --need 3`), checks that what is left is the ACK blackout, the
// cable pull on node2's primary rail and the CAS workload, and runs the shrunk campaign 3 times
// with new seeds. Prints the shrink's time next to the anchor measured here: one run of the
// noisy campaign (a candidate costs about one such run per try).
//   BENCH_RUN_DIR: shrink this failing run instead of making one
//   BENCH_BUDGET: shrink's --budget (default 60m)
//   BENCH_NEED: shrink's --need of 3 runs (default 3: a candidate is kept only when every run
//     reproduces; with 2 of 3 the cable pull alone, which catches a CAS in flight about one run
//     in three, let a 1 s blackout through and the result reproduced in 2 of 3)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { min, ROOT, runCampaign, shrinkRun } from './support';

const NOISY = path.join(ROOT, 'campaigns', 'shrink', 'cas-replay-noisy.yaml');
const store = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-bench-shrink-'));
const say = (l: string): void => void process.stderr.write(`bench:shrink: ${l}\n`);
const run = (file: string, seed?: number): ReturnType<typeof runCampaign> => runCampaign(store, file, seed);

async function main(): Promise<number> {
  let runDir = process.env.BENCH_RUN_DIR;
  let anchorMs: number | undefined;
  for (let i = 0; !runDir && i < 4; i++) {
    const r = run(NOISY);
    anchorMs = r.ms;
    say(`noisy run ${i + 1}: verdict ${r.results.verdict}, expected ${r.results.expected?.matched ? 'met' : 'not met'} (${(r.ms / 1000).toFixed(0)} s) ${r.dir}`);
    if (r.results.expected?.matched) runDir = r.dir;
  }
  if (!runDir) return say('no run of the noisy campaign showed the CAS double success in 4 tries'), 1;

  const budget = process.env.BENCH_BUDGET ?? '60m';
  const need = process.env.BENCH_NEED ?? '3';
  const sh = await shrinkRun(runDir, ['--runs', '3', '--need', need, '--budget', budget]);
  const shrinkMs = sh.ms;
  if (!sh.summary || !sh.campaign) return say(`shrink exited ${sh.code}`), 1;
  const s = sh.summary;
  const c = sh.campaign;
  const steps = c.faults.timeline;
  const only = steps.length === 2 && steps.some((x) => x.kind === 'ack-loss') && steps.some((x) => x.kind === 'nic-failover' && x.target === 'node2' && (x.params?.rail ?? 0) === 0) && c.workloads.length === 1 && c.workloads[0]!.workload === 'cas-register';
  say(`shrunk to ${steps.map((x) => `${x.id} (${x.kind} on ${x.target})`).join(', ')}; workloads ${c.workloads.map((w) => w.workload).join(', ')}: ${only ? 'as expected' : 'NOT the expected pair and workload'}`);

  let ok = 0;
  for (let k = 0; k < 3; k++) {
    const r = run(s.out, 1000 + k);
    if (r.results.expected?.matched) ok++;
    say(`shrunk campaign, seed ${1000 + k}: verdict ${r.results.verdict}, expected ${r.results.expected?.matched ? 'met' : 'not met'} ${r.dir}`);
  }
  process.stdout.write(
    [
      `shrink: ${s.candidates} candidates in ${min(shrinkMs)}${s.exhausted ? ' (budget ran out)' : ''}; ${steps.length} fault step(s), ${c.workloads.length} workload(s) left`,
      `anchor: one run of the noisy campaign took ${anchorMs !== undefined ? `${(anchorMs / 1000).toFixed(0)} s` : 'n/a (BENCH_RUN_DIR given)'}`,
      `the shrunk campaign reproduced in ${ok} of 3 runs`,
      `${only && ok === 3 ? 'PASS' : 'FAIL'}: ${s.out}`,
    ].join('\n') + '\n',
  );
  return only && ok === 3 ? 0 : 1;
}

main().then(
  (c) => process.exit(c),
  (e: unknown) => {
    process.stderr.write(`bench:shrink: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
