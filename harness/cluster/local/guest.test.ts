// What a node offers the code we run on it: the host's node binary (from /usr over 9p), the
// repository read-only at its host path, a read-write dir shared with the host, perftest,
// nft and netem, and a console that records the kernel's warnings after boot.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../../setup';
import { acquireSharedCluster, type SharedCluster } from '../test-support';

jest.setTimeout(15 * 60_000);

let c: SharedCluster;
beforeAll(async () => {
  c = await acquireSharedCluster({ nodes: 2, rails: 2 });
});
afterAll(() => c?.release());

const run = async (argv: string[]): Promise<string> => {
  const r = await c.driver.exec(c.nodes[0]!, argv, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
};

describe('inside a node', () => {
  it('runs the host node binary', async () => {
    expect((await run(['node', '-e', 'process.stdout.write(process.version)'])).trim()).toBe(process.version);
  });

  it('sees the repository read-only at its host path', async () => {
    const pkg = path.join(projectRoot(), 'package.json');
    expect(JSON.parse(await run(['cat', pkg])).name).toBe('rdma-chaos');
    const w = await c.driver.exec(c.nodes[0]!, ['touch', path.join(projectRoot(), '.rc-guest-write-probe')]);
    expect(w.code).not.toBe(0);
    expect(w.stderr).toMatch(/Read-only file system/);
  });

  it('shares /srv/rdma-chaos read-write with the host state dir', async () => {
    const name = `probe-${process.pid}-${Date.now()}`;
    await run(['sh', '-c', 'echo "$1" > "/srv/rdma-chaos/$1"', 'rc-probe', name]);
    const host = path.join(c.stateDir, 'shared', name);
    try {
      expect(fs.readFileSync(host, 'utf8')).toBe(`${name}\n`);
    } finally {
      fs.rmSync(host, { force: true });
    }
  });

  it('has perftest, nft and the netem qdisc (the host kernel has no netem; the guest kernel does)', async () => {
    const found = await run(['sh', '-c', 'for p in ib_atomic_bw ib_write_lat nft tc; do command -v "$p" || echo "missing $p"; done']);
    expect(found).not.toContain('missing');
    const dev = 'data1';
    try {
      await run(['tc', 'qdisc', 'add', 'dev', dev, 'root', 'netem', 'loss', '1%']);
      expect(await run(['tc', 'qdisc', 'show', 'dev', dev])).toMatch(/netem .*loss 1%/);
    } finally {
      await c.driver.exec(c.nodes[0]!, ['tc', 'qdisc', 'del', 'dev', dev, 'root']);
    }
  });

  it("records kernel warnings on the node's console after boot", async () => {
    const con = c.driver.consoleLog(c.nodes[0]!);
    const mark = `rc-console-probe-${process.pid}-${Date.now()}`;
    await run(['sh', '-c', 'echo "<4>$1" > /dev/kmsg', 'rc-kmsg', mark]);
    const end = Date.now() + 10_000;
    while (!fs.readFileSync(con, 'utf8').includes(mark)) {
      if (Date.now() > end) throw new Error(`${mark} never reached ${con}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
