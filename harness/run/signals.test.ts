// SIGTERM / SIGINT in each phase of a run ends it within 30 s, with every fault healed and the
// history kept; a second signal forces the exit (issue 16). The controller is the built CLI
// (bin/rdma-chaos.js: the check runs on a worker thread only there), on the real cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireSharedCluster, clusterLeftovers, waitUntil, type SharedCluster } from '../cluster/test-support';
import { clusterDown } from '../cluster/local';
import { loadOps, RUN_FILES } from '../core';
import { runCli } from '../main';
import { nodeState, waitHealed, type NodeState } from './test-support';

const BIN = path.resolve(__dirname, '../../bin/rdma-chaos.js');
/** the promise: a signalled run is gone within this */
const ENDS_WITHIN_MS = 30_000;

const campaign = (name: string, nodes: number, rails: number, duration: string, faults: boolean): string => `
name: ${name}
description: "a run that gets a signal"
duration: ${duration}
cluster: { nodes: ${nodes}, rails: ${rails} }
policy: none
workloads:
  - workload: counter
    target: node1
    clients: [node2]
    rate: 200
    depth: 4
${faults ? `faults:
  timeline:
    - { at: 1s, kind: nic-failover, target: node1, duration: 40s, params: { method: cable, rail: 1 } }
    - { at: 1s, kind: pause, target: node3, duration: 40s }
    - { at: 1s, kind: delay, target: node2, duration: 40s, params: { delay: 2ms, rails: [1] } }
` : ''}`;

let cluster: SharedCluster;
let work: string;
const baseline = new Map<string, NodeState>();

beforeAll(async () => {
  cluster = await acquireSharedCluster({ nodes: 3, rails: 2 });
  for (const n of cluster.nodes) baseline.set(n, await nodeState(cluster.driver, n));
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-signals-'));
}, 15 * 60_000);

afterAll(async () => {
  await cluster?.release();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

interface Controller {
  child: ChildProcess;
  err(): string;
  log(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(name: string, text: string, env: NodeJS.ProcessEnv = {}): Controller {
  const file = path.join(work, `${name}.yaml`);
  fs.writeFileSync(file, text);
  const store = path.join(work, 'store');
  const child = spawn(process.execPath, [BIN, 'run', file, '--store', store], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  const log = (): string => {
    try {
      const base = path.join(store, name);
      return fs.readFileSync(path.join(base, fs.readdirSync(base)[0]!, RUN_FILES.controllerLog), 'utf8');
    } catch {
      return '';
    }
  };
  return { child, err: () => err, log, exit };
}

/** signal it, and it must be gone within ENDS_WITHIN_MS */
async function signalAndWait(c: Controller, sig: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; late: boolean }> {
  c.child.kill(sig);
  let late = false;
  const timer = new Promise<'late'>((ok) => setTimeout(() => ok('late'), ENDS_WITHIN_MS).unref());
  const r = await Promise.race([c.exit, timer]);
  if (r === 'late') {
    late = true;
    c.child.kill('SIGKILL');
    return { ...(await c.exit), late };
  }
  return { ...r, late };
}

function runDir(name: string): string {
  const base = path.join(work, 'store', name);
  return path.join(base, fs.readdirSync(base)[0]!);
}

test.each([
  ['SIGTERM', 'agents', /run directory/],
  ['SIGINT', 'workload', /fault \S+ .*in effect/],
  ['SIGTERM', 'check', /checking the history/],
] as const)('%s during the %s phase: gone within 30 s, faults healed, history kept', async (sig, phase, marker) => {
  const name = `sig-${phase}`;
  const c = start(name, campaign(name, 3, 2, '20s', true));
  await waitUntil(240_000, `the ${phase} phase`, () => marker.test(c.err()) || marker.test(c.log()) || c.child.exitCode !== null);
  expect(c.child.exitCode).toBeNull();
  const r = await signalAndWait(c, sig);
  expect({ phase, late: r.late, err: r.late ? `${c.err().slice(-1500)}\n--- controller.log:\n${c.log().slice(-2500)}` : '' }).toEqual({ phase, late: false, err: '' });
  expect(c.err()).not.toMatch(/\n\s+at /);
  // every fault healed: the next command finds nothing to heal, and the nodes read healed
  let healed = '';
  expect(await runCli(['cluster', 'heal'], { stdout: { write: (s: string) => (healed += s) } as unknown as NodeJS.WritableStream, stderr: { write: () => true } as unknown as NodeJS.WritableStream })).toBe(0);
  expect(healed).toMatch(/no fault left in effect/);
  expect(await waitHealed(cluster.driver, cluster.nodes, baseline)).toEqual({});
  // the history is kept and readable
  const hist = path.join(runDir(name), RUN_FILES.history);
  expect(() => loadOps(hist, 'native')).not.toThrow();
  if (phase !== 'agents') expect(fs.existsSync(path.join(runDir(name), RUN_FILES.results))).toBe(true);
}, 6 * 60_000);

test('a second signal forces the exit at once; the next command heals what the first had not', async () => {
  const name = 'sig-twice';
  const c = start(name, campaign(name, 3, 2, '20s', true));
  await waitUntil(240_000, 'the faults in effect', () => /fault \S+ .*in effect/.test(c.log()) || c.child.exitCode !== null);
  c.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 50));
  const r = await signalAndWait(c, 'SIGTERM');
  expect({ late: r.late, code: r.code }).toEqual({ late: false, code: 143 });
  expect(await runCli(['cluster', 'heal'], { stdout: { write: () => true } as unknown as NodeJS.WritableStream, stderr: { write: () => true } as unknown as NodeJS.WritableStream })).toBe(0);
  // agent-side rules go with the agents' leases (10 s); the heal took the cable and the pause back
  expect(await waitHealed(cluster.driver, cluster.nodes, baseline, 60_000)).toEqual({});
}, 6 * 60_000);

test('SIGTERM while the run boots its own cluster, and while it takes it down: gone within 30 s, nothing left', async () => {
  // a 2-node cluster of its own, beside the shared one
  const state = path.join(work, 'own-cluster');
  const env = { RDMA_CHAOS_STATE: state, RDMA_CHAOS_SSH_PORT_BASE: '22450' };
  await cluster.release();
  try {
    const phases: [string, (c: Controller) => boolean][] = [
      // a qemu of its own is up: the boot is under way
      ['boot', () => clusterLeftovers(state).processes.some((p) => /qemu/.test(p))],
      ['teardown', (c) => /taking down the cluster this run booted/.test(c.err())],
    ];
    for (const [phase, reached] of phases) {
      const name = `sig-${phase}`;
      const c = start(name, campaign(name, 2, 1, '4s', false), env);
      await waitUntil(600_000, `the ${phase} phase`, () => reached(c) || c.child.exitCode !== null);
      expect({ phase, running: c.child.exitCode === null }).toEqual({ phase, running: true });
      const r = await signalAndWait(c, 'SIGTERM');
      expect({ phase, late: r.late, err: r.late ? `${c.err().slice(-1500)}\n--- controller.log:\n${c.log().slice(-2500)}` : '' }).toEqual({ phase, late: false, err: '' });
      // the run cleaned up after itself: no VM, no switch, no socket
      expect({ phase, ...clusterLeftovers(state) }).toEqual({ phase, processes: [], sockets: [] });
    }
  } finally {
    await clusterDown(state).catch(() => undefined);
    cluster = await acquireSharedCluster({ nodes: 3, rails: 2 });
  }
}, 15 * 60_000);
