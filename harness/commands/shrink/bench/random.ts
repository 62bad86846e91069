// npm run bench:shrink-random: issue 14's second shrink acceptance on the local cluster. One run
// of campaigns/random-10m.yaml (its seed, its schedule), then `rdma-chaos shrink --runs 3 --need 2
// --budget 30m` on it, then the shrunk campaign 3 times with new seeds: does it hold at most 3
// fault steps and reproduce in at least 2 of 3, or did the budget run out, and with what.
// The anchor beside the figures is the random run itself (each untrimmed candidate costs that
// much per try).
// random-10m runs `shift`, under which atomics in flight at a fault fail as info, so its runs are
// normally safe and there is nothing to shrink. The bench therefore runs it under `replay` by
// default (the same file, its policy line changed), where its own faults duplicate FADDs.
//   BENCH_POLICY: the policy to run it under (default replay; shift runs the file as it is)
//   BENCH_RUN_DIR: shrink this run instead of making one
//   BENCH_BUDGET: shrink's --budget (default 30m)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { min, ROOT, runCampaign, shrinkRun } from './support';

const RANDOM = path.join(ROOT, 'campaigns', 'random-10m.yaml');
const store = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-bench-shrink-random-'));
const say = (l: string): void => void process.stderr.write(`bench:shrink-random: ${l}\n`);

async function main(): Promise<number> {
  let runDir = process.env.BENCH_RUN_DIR;
  let anchor = 'n/a (BENCH_RUN_DIR given)';
  if (!runDir) {
    const policy = process.env.BENCH_POLICY ?? 'replay';
    const text = fs.readFileSync(RANDOM, 'utf8');
    if (!/^policy: shift$/m.test(text)) throw new Error(`${RANDOM}: no "policy: shift" line to change`);
    const file = path.join(store, 'random-10m.yaml');
    fs.writeFileSync(file, text.replace(/^policy: shift$/m, `policy: ${policy}`));
    say(`running random-10m under ${policy} (its seed), store ${store}`);
    const r = runCampaign(store, file);
    anchor = `the random-10m run took ${min(r.ms)}`;
    const found = r.results.checks.flatMap((c) => c.violations.map((v) => `${c.checker}: ${v.pattern ?? v.kind}`));
    say(`random-10m: verdict ${r.results.verdict}, ${found.length} violation(s) (${[...new Set(found)].join('; ') || 'none'}) in ${min(r.ms)}: ${r.dir}`);
    if (!found.length) return process.stdout.write(`the random-10m run found no violation: nothing to shrink (${anchor})\n`), 1;
    runDir = r.dir;
  }
  const sh = await shrinkRun(runDir, ['--runs', '3', '--need', '2', '--budget', process.env.BENCH_BUDGET ?? '30m']);
  if (!sh.summary || !sh.campaign) return say(`shrink exited ${sh.code}`), 1;
  const steps = sh.campaign.faults.timeline;
  say(`shrunk to ${steps.map((x) => `${x.id} (${x.kind} on ${x.target})`).join(', ') || 'no fault'}; workloads ${sh.campaign.workloads.map((w) => w.workload).join(', ')}`);
  let ok = 0;
  for (let k = 0; k < 3; k++) {
    const r = runCampaign(store, sh.summary.out, 2000 + k);
    if (r.results.expected?.matched) ok++;
    say(`shrunk campaign, seed ${2000 + k}: verdict ${r.results.verdict}, expected ${r.results.expected?.matched ? 'met' : 'not met'} (${min(r.ms)}) ${r.dir}`);
  }
  const pass = steps.length <= 3 && ok >= 2;
  process.stdout.write(
    [
      `shrink: ${sh.summary.candidates} candidates in ${min(sh.ms)}${sh.summary.exhausted ? ' (budget ran out: the smallest found, not a minimal one)' : ''}; ${steps.length} fault step(s), ${sh.campaign.workloads.length} workload(s) left`,
      `anchor: ${anchor}`,
      `the shrunk campaign reproduced in ${ok} of 3 runs`,
      `${pass ? 'PASS' : sh.summary.exhausted ? 'BUDGET RAN OUT' : 'FAIL'}: ${sh.summary.out}`,
    ].join('\n') + '\n',
  );
  return pass ? 0 : 1;
}

main().then(
  (c) => process.exit(c),
  (e: unknown) => {
    process.stderr.write(`bench:shrink-random: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
