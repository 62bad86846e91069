// The nightly kill loop (issue 17): the suite's controller is SIGKILLed at seeded random points
// while a suite of short campaigns runs; each time `nightly --resume` picks the night up again,
// until the kills are spent and a last --resume finishes it. Then:
// - every planned run ended; a run cut by a kill is kept, marked incomplete and checked, and
//   every other run met its campaign's expectation;
// - nothing recorded is lost: every run directory in the store belongs to exactly one run of a
//   night, and each has its history and results.json;
// - the cluster reads healed (no nft rule, no netem, every link up, no paused agent).
// CI runs 5 kills; `npm run bench:nightly-kill-loop` runs 20 (RDMA_CHAOS_NIGHTLY_KILLS).
import { type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireSharedCluster, spawnCli, waitUntil, type SharedCluster } from '../../cluster/test-support';
import { findInterruptedRuns, mulberry32, NIGHT_FILES, readResults, RUN_FILES, type Night } from '../../core';
import { nodeState, unhealed } from '../../run/test-support';

const KILLS = Number(process.env.RDMA_CHAOS_NIGHTLY_KILLS ?? 5);

const campaign = (name: string, fault: string, expect: string, policy = 'none'): string => `name: ${name}
duration: 5s
cluster: { nodes: 2, rails: 2 }
policy: ${policy}
qp: { timeout: 14, retry_cnt: 3 }
workloads:
  - { workload: counter, target: node1, clients: [node2], rate: 300, depth: 4 }
faults:
  timeline:
    - ${fault}
expect: { verdict: ${expect} }
`;

let cluster: SharedCluster;
let work: string;

beforeAll(async () => {
  cluster = await acquireSharedCluster({ nodes: 3, rails: 2 });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-nkill-'));
  fs.writeFileSync(path.join(work, 'k-delay.yaml'), campaign('k-delay', '{ at: 1s, kind: delay, target: node2, duration: 3s, params: { delay: 2ms, rails: [0] } }', 'valid'));
  fs.writeFileSync(path.join(work, 'k-cable.yaml'), campaign('k-cable', '{ at: 1s, kind: nic-failover, target: node1, duration: 3s, params: { method: cable, rail: 1 } }', 'valid'));
  fs.writeFileSync(path.join(work, 'k-pause.yaml'), campaign('k-pause', '{ at: 1s, kind: pause, target: node2, duration: 2s }', 'valid'));
  fs.writeFileSync(path.join(work, 'suite.yaml'), 'name: k-suite\nrepetitions: 2\nseeds: fresh\ncampaigns: ["k-*.yaml"]\n');
}, 15 * 60_000);

afterAll(async () => {
  await cluster?.release();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function exited(child: ChildProcess): Promise<void> {
  return new Promise((ok) => (child.exitCode !== null || child.signalCode !== null ? ok() : child.once('exit', () => ok())));
}

function nights(store: string): Array<{ dir: string; night: Night }> {
  const base = path.join(store, 'nights', 'k-suite');
  if (!fs.existsSync(base)) return [];
  return fs.readdirSync(base).sort().filter((d) => fs.existsSync(path.join(base, d, NIGHT_FILES.night)))
    .map((d) => ({ dir: path.join(base, d), night: JSON.parse(fs.readFileSync(path.join(base, d, NIGHT_FILES.night), 'utf8')) as Night }));
}

function runDirs(store: string): string[] {
  return fs.readdirSync(store).filter((c) => c.startsWith('k-')).flatMap((c) => fs.readdirSync(path.join(store, c)).map((t) => path.join(c, t)));
}

test(`${KILLS} kills of the suite's controller: --resume finishes the night, nothing recorded is lost`, async () => {
  const store = path.join(work, 'store');
  const rng = mulberry32(17_017);
  const suite = path.join(work, 'suite.yaml');
  const log: string[] = [];
  // a kill counts only when it lands on a live controller: a night that ended before the seeded
  // point is no kill (the next start begins a new night), so try again, up to twice as often
  let kills = 0;
  for (let i = 0; kills < KILLS && i < 2 * KILLS + 5; i++) {
    const child = spawnCli(['nightly', suite, '--store', store, '--resume']);
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout!.resume();
    // a point inside a run most of the time (runs take ~40 s here), now and then between runs
    await waitUntil(180_000, `start ${i}: a run under way`, () => /\] \d{3}-k-\S+: \S+\.yaml, seed/.test(err) || child.exitCode !== null);
    await new Promise((r) => setTimeout(r, Math.floor(rng() * 45_000)));
    const finished = child.exitCode !== null;
    if (!finished) kills++;
    child.kill('SIGKILL');
    await exited(child);
    log.push(`kill ${i}: ${finished ? `the night had ended (exit ${child.exitCode})` : (err.match(/\] \d{3}-k-\S+: \S+\.yaml/g) ?? []).slice(-1).join('')}`);
  }
  // the last resume runs to the end
  const last = spawnCli(['nightly', suite, '--store', store, '--resume', '--json']);
  let out = '';
  let err = '';
  last.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  last.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  await exited(last);
  process.stderr.write(`nightly kill loop: ${kills} kills in ${log.length} starts\n  ${log.join('\n  ')}\n`);
  expect(kills).toBe(KILLS);
  expect({ exit: last.exitCode, err: last.exitCode === 0 || last.exitCode === 2 ? '' : err.slice(-3000) }).toEqual({ exit: expect.any(Number), err: '' });

  const all = nights(store);
  expect(all.length).toBeGreaterThan(0);
  const killedRuns: string[] = [];
  for (const { night } of all) {
    expect({ night: night.night, ended: night.exitCode !== undefined }).toEqual({ night: night.night, ended: true });
    for (const r of night.runs) {
      expect({ id: r.id, status: r.status }).toEqual({ id: r.id, status: 'done' });
      if (r.incomplete) {
        // cut by a kill: kept, checked, listed
        killedRuns.push(r.id);
        expect({ id: r.id, verdict: r.verdict, outcome: r.outcome }).toEqual({ id: r.id, verdict: expect.stringMatching(/valid|invalid|unknown/), outcome: expect.stringMatching(/unknown|met/) });
        expect(readResults(path.join(store, r.dir!, RUN_FILES.results)).incomplete).toBe(true);
      } else expect({ id: r.id, outcome: r.outcome, message: r.message }).toEqual({ id: r.id, outcome: 'met', message: undefined });
    }
  }
  // the seeded points cut runs, so the resume path ran
  expect(killedRuns.length).toBeGreaterThan(0);
  // nothing lost, nothing counted twice: each run directory belongs to one run of one night
  const claimed = all.flatMap(({ night }) => night.runs.map((r) => r.dir).filter((d): d is string => d !== undefined));
  expect(new Set(claimed).size).toBe(claimed.length);
  expect(runDirs(store).sort()).toEqual([...claimed].sort());
  for (const d of claimed) {
    expect(fs.existsSync(path.join(store, d, RUN_FILES.history))).toBe(true);
    expect(fs.existsSync(path.join(store, d, RUN_FILES.results))).toBe(true);
  }
  expect(findInterruptedRuns(store)).toEqual([]);
  await waitUntil(60_000, 'the nodes read healed', async () => {
    for (const n of cluster.nodes) if (unhealed(await nodeState(cluster.driver, n)).length) return false;
    return true;
  }).catch(() => undefined);
  for (const n of cluster.nodes) expect({ n, left: unhealed(await nodeState(cluster.driver, n)) }).toEqual({ n, left: [] });
}, (KILLS + 2) * 5 * 60_000);
