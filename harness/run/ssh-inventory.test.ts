// The ssh driver, the path to real clusters, over an inventory of the local cluster's own VMs
// (their SSH ports, the cluster's key, the pinned host key, rails data0/rxe0 and data1/rxe1):
// a shift campaign must finish, heal, and give the verdict it gives on the local driver (its
// `expect:`, which campaigns.test.ts holds the local driver to). CI runs fadd-replay;
// RDMA_CHAOS_SSH_CAMPAIGNS=all (npm run bench:ssh-shift) runs every shift campaign.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireSharedCluster, type SharedCluster } from '../cluster/test-support';
import { RUN_FILES, type RunResults } from '../core';
import { runCli } from '../main';
import { waitHealed, nodeState, type NodeState } from './test-support';

const SHIFT = path.join(__dirname, '..', '..', 'campaigns', 'shift');
const wanted = process.env.RDMA_CHAOS_SSH_CAMPAIGNS ?? 'fadd-replay';
const CAMPAIGNS = wanted === 'all' ? fs.readdirSync(SHIFT).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort() : wanted.split(',');

let cluster: SharedCluster;
let work: string;
let inventory: string;
const baseline = new Map<string, NodeState>();

beforeAll(async () => {
  cluster = await acquireSharedCluster({ nodes: 3, rails: 2 });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-sshinv-'));
  // the inventory `cluster up` writes of its own VMs (their ports, key, pinned host key, rails)
  inventory = path.join(work, 'inventory.yaml');
  fs.copyFileSync(path.join(cluster.stateDir, 'inventory.yaml'), inventory);
  for (const n of cluster.nodes) baseline.set(n, await nodeState(cluster.driver, n));
}, 15 * 60_000);

afterAll(async () => {
  await cluster?.release();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test.each(CAMPAIGNS)('%s over ssh:INVENTORY finishes, heals, and gives the local driver\'s verdict', async (name) => {
  const file = path.join(SHIFT, `${name}.yaml`);
  const expected = /^expect:\s*\n\s+verdict:\s*(\w+)/m.exec(fs.readFileSync(file, 'utf8'))?.[1];
  let out = '';
  let err = '';
  const code = await runCli(['run', file, '--cluster', `ssh:${inventory}`, '--store', path.join(work, 'store'), '--json'], {
    stdout: { write: (s: string) => (out += s) } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => (err += s) } as unknown as NodeJS.WritableStream,
  });
  const json = out.trim().split('\n').pop() ?? '';
  expect({ name, summary: json.startsWith('{'), err: json.startsWith('{') ? '' : err.slice(-3000) }).toEqual({ name, summary: true, err: '' });
  const dir = (JSON.parse(json) as { dir: string }).dir;
  const results = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.results), 'utf8')) as RunResults;
  expect({ name, driver: results.cluster.driver, verdict: results.verdict, code }).toEqual({ name, driver: 'ssh', verdict: expected, code: expected === 'valid' ? 0 : 1 });
  expect({ name, clean: results.clean }).toEqual({ name, clean: true });
  // the ssh path read the nodes' kernel logs with dmesg, and stopped following them
  expect(fs.readdirSync(path.join(dir, 'consoles')).length).toBeGreaterThan(0);
  expect(await waitHealed(cluster.driver, cluster.nodes, baseline)).toEqual({});
  const followers = await Promise.all(cluster.nodes.map(async (n) => (await cluster.driver.exec(n, ['sh', '-c', "pgrep -af -- '^[d]mesg --follow' || true"])).stdout.trim()));
  expect(followers.filter(Boolean)).toEqual([]);
}, 10 * 60_000);
