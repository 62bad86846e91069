// A node restarted between two campaigns, on a host with extra CPU load (issue 16: after the
// node-panic campaign restarted node3, the next campaign died at once with "connection lost
// while running mkdir", exit 254). The second campaign must reconnect and run normally.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireSharedCluster, type SharedCluster } from '../cluster/test-support';
import { RUN_FILES, type RunResults } from '../core';
import { runCli } from '../main';

const CAMPAIGN = `
name: after-restart
description: "a calm campaign whose client node was just restarted"
duration: 6s
cluster: { nodes: 3, rails: 2 }
policy: none
workloads:
  - workload: counter
    target: node1
    clients: [node3]
    rate: 200
    depth: 4
expect:
  verdict: valid
`;

let cluster: SharedCluster;
let work: string;
let load: ChildProcess | undefined;

beforeAll(async () => {
  cluster = await acquireSharedCluster({ nodes: 3, rails: 2 });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-restart-'));
}, 15 * 60_000);

afterAll(async () => {
  load?.kill('SIGKILL');
  await cluster?.release();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('node3 restarted (its kernel and sshd fresh), then a campaign on it under extra CPU load: it reconnects and runs normally', async () => {
  // one core's worth of extra load for the whole test
  load = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  const bootId = async (): Promise<string> => (await cluster.driver.exec('node3', ['cat', '/proc/sys/kernel/random/boot_id'], { idempotent: true })).stdout.trim();
  const before = await bootId();
  await cluster.driver.restartNode('node3');
  expect(await bootId()).not.toBe(before);
  await cluster.release(); // the campaign opens its own connections, as the next one of a suite does

  const file = path.join(work, 'after-restart.yaml');
  fs.writeFileSync(file, CAMPAIGN);
  let out = '';
  let err = '';
  const code = await runCli(['run', file, '--store', path.join(work, 'store'), '--json'], {
    stdout: { write: (s: string) => (out += s) } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => (err += s) } as unknown as NodeJS.WritableStream,
  });
  const json = out.trim().split('\n').pop() ?? '';
  expect({ code, err: code === 0 ? '' : err.slice(-3000) }).toEqual({ code: 0, err: '' });
  const r = JSON.parse(fs.readFileSync(path.join((JSON.parse(json) as { dir: string }).dir, RUN_FILES.results), 'utf8')) as RunResults;
  expect({ verdict: r.verdict, clean: r.clean, infra: r.infrastructureFault }).toEqual({ verdict: 'valid', clean: true, infra: undefined });
  // node3 did the work: its FADDs completed
  expect(r.stats.find((s) => s.workload === 'counter')?.ok ?? 0).toBeGreaterThan(100);
  cluster = await acquireSharedCluster({ nodes: 3, rails: 2 });
}, 10 * 60_000);
