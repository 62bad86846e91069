// `rdma-chaos nightly` on the real cluster: a night where one run meets its expectation, one
// crashes (its campaign file vanished after the suite was read), one overruns its time and one
// misses its expectation goes on past each of them and ends with exit 1, night.json, JUnit XML
// that passes the schema with the right failures and errors, summary.json and the index. Then
// the same campaigns over ssh:INVENTORY of the cluster's own VMs give the same outcomes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireSharedCluster, type SharedCluster } from '../../cluster/test-support';
import { ExitCode, NIGHT_FILES, readResults, RUN_FILES, type Night } from '../../core';
import { runCli } from '../../main';
import { junitProblems } from '../../../reports';
import { nodeState, unhealed } from '../../run/test-support';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

const ROOT = path.resolve(__dirname, '../../..');
const campaign = (name: string, o: { duration?: string; expect: string }): string => `name: ${name}
duration: ${o.duration ?? '4s'}
cluster: { nodes: 2, rails: 2 }
policy: none
workloads:
  - { workload: counter, target: node1, clients: [node2], rate: 200, depth: 2 }
faults:
  timeline:
    - { at: 1s, kind: delay, target: node2, duration: 2s, params: { delay: 1ms, rails: [0] } }
expect: { verdict: ${o.expect} }
`;

let cluster: SharedCluster;
let work: string;

beforeAll(async () => {
  cluster = await acquireSharedCluster({ nodes: 3, rails: 2 });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-nightly-'));
  fs.writeFileSync(path.join(work, 'ok.yaml'), campaign('t-ok', { expect: 'valid' }));
  fs.writeFileSync(path.join(work, 'gone.yaml'), campaign('t-gone', { expect: 'valid' }));
  fs.writeFileSync(path.join(work, 'slow.yaml'), campaign('t-slow', { duration: '40s', expect: 'valid' }));
  fs.writeFileSync(path.join(work, 'wrong.yaml'), campaign('t-wrong', { expect: 'invalid' }));
  fs.copyFileSync(path.join(ROOT, 'campaigns', 'shift', 'fadd-replay.yaml'), path.join(work, 'fadd-replay.yaml'));
  fs.writeFileSync(path.join(work, 'suite.yaml'), `name: t-night
repetitions: 1
seeds: [11]
campaigns:
  - ok.yaml
  - gone.yaml
  - { file: slow.yaml, timeout: 15s }
  - wrong.yaml
  - fadd-replay.yaml
`);
  fs.writeFileSync(path.join(work, 'crash.yaml'), campaign('t-crash', { expect: 'valid' }).replace(/- \{ at: 1s, kind: delay.*/, '- { at: 1s, kind: crash, target: node2, duration: 2s, params: { method: kill, restart: true } }'));
  fs.writeFileSync(path.join(work, 'ssh.yaml'), 'name: t-ssh\nseeds: [11]\ncampaigns: [ok.yaml, fadd-replay.yaml, crash.yaml]\n');
}, 15 * 60_000);

afterAll(async () => {
  await cluster?.release();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function io(): { out: () => string; err: () => string; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } {
  let out = '';
  let err = '';
  return {
    out: () => out, err: () => err,
    stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
  };
}

function lastNight(store: string, suite: string): { dir: string; night: Night } {
  const base = path.join(store, 'nights', suite);
  const dir = path.join(base, fs.readdirSync(base).sort().at(-1)!);
  return { dir, night: JSON.parse(fs.readFileSync(path.join(dir, NIGHT_FILES.night), 'utf8')) as Night };
}

const outcomes = (n: Night): Record<string, string | undefined> => Object.fromEntries(n.runs.map((r) => [r.campaign, `${r.outcome}${r.verdict ? ` ${r.verdict}` : ''}`]));

test('a night goes on past a crash, a timeout and a missed expectation, and reports each', async () => {
  const store = path.join(work, 'store');
  const o = io();
  // the second campaign's file goes once the night has read the suite: its run cannot start
  const gone = setInterval(() => {
    if (fs.existsSync(path.join(store, 'nights', 't-night'))) fs.rmSync(path.join(work, 'gone.yaml'), { force: true });
  }, 100);
  const code = await runCli(['nightly', path.join(work, 'suite.yaml'), '--store', store, '--json'], o).finally(() => clearInterval(gone));
  const { dir, night } = lastNight(store, 't-night');
  expect({ outcomes: outcomes(night), err: code === 1 ? '' : o.err().slice(-3000) }).toEqual({
    outcomes: { 't-ok': 'met valid', 't-gone': 'crashed', 't-slow': expect.stringMatching(/^timed-out/), 't-wrong': 'not-met valid', 'fadd-replay': 'met invalid' },
    err: '',
  });
  expect(code).toBe(1);
  expect(night.exitCode).toBe(1);
  expect(night.runs.find((r) => r.campaign === 't-gone')!.message).toMatch(/gone\.yaml/);
  // every run that started has its run directory and report
  for (const r of night.runs.filter((x) => x.campaign !== 't-gone')) expect(fs.existsSync(path.join(store, r.dir!, 'results.json'))).toBe(true);
  // JUnit: one testcase per campaign run, the schema's shape, a failure for the miss, errors for the crash and the timeout
  const xml = fs.readFileSync(path.join(dir, NIGHT_FILES.junit), 'utf8');
  expect(junitProblems(xml)).toEqual([]);
  expect(xml.match(/<testcase /g)).toHaveLength(5);
  expect(xml).toMatch(/<testsuite [^>]*tests="5" failures="1" errors="2" skipped="0"/);
  const summary = JSON.parse(o.out().trim().split('\n').pop()!) as { exitCode: number; outcomes: Record<string, number>; index: string; phases: Record<string, number> };
  expect(summary).toMatchObject({ exitCode: 1, outcomes: { met: 2, crashed: 1, 'timed-out': 1, 'not-met': 1 } });
  expect(summary.phases.workloadMs).toBeGreaterThan(0);
  expect(fs.existsSync(summary.index)).toBe(true);
  expect(fs.existsSync(path.join(dir, NIGHT_FILES.summary))).toBe(true);
  // the stopped run healed its faults
  for (const n of cluster.nodes) expect({ n, left: unhealed(await nodeState(cluster.driver, n)) }).toEqual({ n, left: [] });
}, 20 * 60_000);

test('the same campaigns over ssh:INVENTORY of the local VMs give the same outcomes, the crash one through the hosts\' power commands; --keep compresses the older runs', async () => {
  const inventory = path.join(work, 'inventory.yaml');
  fs.copyFileSync(path.join(cluster.stateDir, 'inventory.yaml'), inventory);
  // without node2's power commands `run` is refused before anything starts: one line naming the file, the fault and the node, no run directory
  const bare = parseYaml(fs.readFileSync(inventory, 'utf8')) as { hosts: Array<{ name: string; power?: unknown }> };
  for (const h of bare.hosts) delete h.power;
  fs.writeFileSync(path.join(work, 'no-power.yaml'), stringifyYaml(bare));
  const direct = io();
  expect(await runCli(['run', path.join(work, 'crash.yaml'), '--cluster', `ssh:${path.join(work, 'no-power.yaml')}`, '--store', path.join(work, 'direct')], direct)).toBe(ExitCode.badInput);
  expect(direct.err().trim().split('\n').pop()).toBe(`rdma-chaos: ${path.join(work, 'crash.yaml')}: fault f1-crash (crash, method kill) on node2 needs a driver that can crash nodes; the ssh driver cannot (node2 has no power commands in the inventory) [run.faultUnsupported]`);
  expect(fs.existsSync(path.join(work, 'direct', 't-crash'))).toBe(false);
  const o = io();
  const code = await runCli(['nightly', path.join(work, 'ssh.yaml'), '--store', path.join(work, 'store'), '--cluster', `ssh:${inventory}`, '--quiet', '--keep', '1'], o);
  const { night: ssh } = lastNight(path.join(work, 'store'), 't-ssh');
  const local = outcomes(lastNight(path.join(work, 'store'), 't-night').night);
  expect({ code, outcomes: outcomes(ssh), err: code === 0 ? '' : o.err().slice(-3000) }).toEqual({ code: 0, outcomes: { 't-ok': local['t-ok'], 'fadd-replay': local['fadd-replay'], 't-crash': 'met valid' }, err: '' });
  // the crash really happened (power off, then on): applied and healed, and node2 answers again
  const crashed = readResults(path.join(work, 'store', ssh.runs.find((r) => r.campaign === 't-crash')!.dir!, RUN_FILES.results));
  expect(crashed.faults.filter((f) => f.kind === 'crash').map((f) => ({ target: f.targets, started: f.start !== undefined, healed: f.stop !== undefined }))).toEqual([{ target: ['node2'], started: true, healed: true }]);
  expect((await cluster.driver.exec('node2', ['true'])).code).toBe(0);
  expect(ssh.cluster).toBe(`ssh:${inventory}`);
  // quiet: no progress lines
  expect(o.err()).toBe('');
  // --keep 1: the older run of each campaign is compressed, and still rechecks to its verdict
  const older = lastNight(path.join(work, 'store'), 't-night').night.runs.find((r) => r.campaign === 't-ok')!;
  const olderDir = path.join(work, 'store', older.dir!);
  expect(fs.existsSync(path.join(olderDir, 'history.jsonl.gz'))).toBe(true);
  expect(fs.existsSync(path.join(olderDir, 'history.jsonl'))).toBe(false);
  expect(await runCli(['recheck', olderDir], io())).toBe(0);
}, 15 * 60_000);
