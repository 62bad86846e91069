// The store's disk fills up mid-run (a 512 KiB tmpfs made for the test, on the real cluster):
// the run stops cleanly with one clear line and exit 2 (the testbed's trouble, not bad input),
// its faults healed, and the history it kept is whole: every line a valid event.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireSharedCluster, type SharedCluster } from '../cluster/test-support';
import { ExitCode, loadOps, RUN_FILES } from '../core';
import { runCli } from '../main';
import { nodeState, waitHealed, type NodeState } from './test-support';

const CAMPAIGN = `
name: disk-full
description: "a campaign whose store fills up"
duration: 40s
cluster: { nodes: 3, rails: 2 }
policy: none
workloads:
  - workload: counter
    target: node1
    clients: [node2]
    rate: 400
    depth: 8
faults:
  timeline:
    - { at: 1s, kind: nic-failover, target: node1, duration: 38s, params: { method: cable, rail: 1 } }
    - { at: 1s, kind: delay, target: node2, duration: 38s, params: { delay: 1ms, rails: [1] } }
`;

let cluster: SharedCluster;
let work: string;
let mnt: string;
const baseline = new Map<string, NodeState>();

beforeAll(async () => {
  cluster = await acquireSharedCluster({ nodes: 3, rails: 2 });
  for (const n of cluster.nodes) baseline.set(n, await nodeState(cluster.driver, n));
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-diskfull-'));
  mnt = path.join(work, 'store');
  fs.mkdirSync(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mnt]);
}, 15 * 60_000);

afterAll(async () => {
  await cluster?.release();
  if (mnt) execFileSync('umount', [mnt]);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('a full store: the run stops early with one line and exit 2, faults healed, the history whole', async () => {
  const file = path.join(work, 'disk-full.yaml');
  fs.writeFileSync(file, CAMPAIGN);
  let err = '';
  const code = await runCli(['run', file, '--store', mnt], {
    stdout: { write: () => true } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => (err += s) } as unknown as NodeJS.WritableStream,
  });
  const last = err.trim().split('\n').pop() ?? '';
  expect({ code, last }).toEqual({ code: ExitCode.unknown, last: expect.stringMatching(/the store cannot be written \(ENOSPC.*rdma-chaos recheck /) });
  expect(err).not.toMatch(/\n\s+at /); // no stack trace
  const runs = fs.readdirSync(path.join(mnt, 'disk-full'));
  expect(runs.length).toBe(1);
  const hist = path.join(mnt, 'disk-full', runs[0]!, RUN_FILES.history);
  const text = fs.readFileSync(hist, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const { ops } = loadOps(hist, 'native');
  expect(ops.length).toBeGreaterThan(100);
  // it stopped when the disk filled: the ops span far less than the campaign's 40 s
  const times = ops.map((o) => o.callTime ?? 0).filter((t) => t > 0);
  expect((Math.max(...times) - Math.min(...times)) / 1e9).toBeLessThan(30);
  expect(await waitHealed(cluster.driver, cluster.nodes, baseline)).toEqual({});
}, 10 * 60_000);
