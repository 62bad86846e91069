// The one local SoftRoCE cluster the whole test suite shares (booting is the expensive part:
// CI has 2 cores and 90 minutes). acquireSharedCluster() reuses a running cluster with enough
// nodes and rails, or runs setup if needed and boots one (SUITE_SHAPE: 3 nodes, 2 rails). Concurrent jest
// workers serialise on the state dir's lock, so only one boots; the others then reuse it.
// A cluster the suite booted is marked, and the jest globalTeardown (cluster-teardown.ts)
// takes it down at the end of the run. RDMA_CHAOS_KEEP_CLUSTER=1 keeps it for the next run.
//
// One test file at a time holds the cluster (from acquire to release): each node has one
// emulated vCPU, and two files loading the same node made both slow enough to time out and
// leave faults behind for the next. jest runs one file at a time (jest.config.js) for this reason.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NodeDriver } from '../../core';
import { clusterDown, ensureCluster, probePorts, type LocalDriver } from '../local';
import { lockState } from '../local/state';
import { cachePaths, checkSetup, isRoot, setupKernel, setupPackages, stateDir } from '../../setup';

export interface SharedCluster {
  driver: NodeDriver & LocalDriver;
  /** node names, e.g. ['node1', 'node2'] */
  nodes: string[];
  stateDir: string;
  /** closes this test file's SSH connections and lets the next file have the cluster; it stays up */
  release(): Promise<void>;
}

/** Set by the jest globalSetup; identifies this test run in the marker file. */
export const SESSION_VAR = 'RDMA_CHAOS_TEST_SESSION';
const MARKER = 'booted-by-tests';

/** The suite's cluster lives in the normal state dir, so a cluster you started is reused. */
export function sharedStateDir(): string {
  return stateDir();
}

/**
 * The one shape the suite boots: the largest any test needs (the campaigns want 3 nodes with 2
 * rails). Booting it for the first caller means no later file finds a cluster too small for it.
 */
export const SUITE_SHAPE = { nodes: 3, rails: 2 } as const;

export async function acquireSharedCluster(o: { nodes?: number; rails?: number } = {}): Promise<SharedCluster> {
  if ((o.nodes ?? 0) > SUITE_SHAPE.nodes || (o.rails ?? 0) > SUITE_SHAPE.rails) {
    throw new Error(`the shared test cluster has ${SUITE_SHAPE.nodes} nodes and ${SUITE_SHAPE.rails} rails; raise SUITE_SHAPE to need more`);
  }
  await ensureSetup();
  const dir = sharedStateDir();
  const unlockUse = await holdCluster(dir);
  let r: Awaited<ReturnType<typeof ensureCluster>>;
  try {
    r = await ensureCluster({
      nodes: SUITE_SHAPE.nodes,
      rails: SUITE_SHAPE.rails,
      stateDir: dir,
      lockWaitMs: 15 * 60_000,
      log: process.env.RDMA_CHAOS_TEST_VERBOSE ? (l) => process.stderr.write(`shared cluster: ${l}\n`) : undefined,
    });
  } catch (e: unknown) {
    unlockUse();
    throw e;
  }
  if (!r.reused) {
    fs.writeFileSync(path.join(dir, MARKER), JSON.stringify({ session: process.env[SESSION_VAR] ?? 'unknown', pid: process.pid }) + '\n');
  }
  try {
    await healFaults(r.driver);
  } catch (e: unknown) {
    await r.driver.close();
    unlockUse();
    throw e;
  }
  return {
    driver: r.driver,
    nodes: r.state.nodes.map((n) => n.name),
    stateDir: dir,
    release: async () => {
      try {
        await r.driver.close();
      } finally {
        unlockUse();
      }
    },
  };
}

// jest gives each test file its own module registry: this count is per file, so a file that
// acquires twice does not wait for itself.
let holds = 0;
let unlockHeld: (() => void) | undefined;

async function holdCluster(dir: string): Promise<() => void> {
  if (holds === 0) {
    // outside the state dir: a teardown of a broken cluster must not remove a held lock
    unlockHeld = await lockState(`${dir}.use`, `test file (pid ${process.pid})`, 60 * 60_000);
  }
  holds += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holds -= 1;
    if (holds === 0) unlockHeld?.();
  };
}

/**
 * Hand every test file a cluster without faults: a file that timed out may have left nft rules,
 * a netem qdisc, a link down or a pulled cable behind (recovery = apply the empty fault set).
 */
async function healFaults(driver: LocalDriver): Promise<void> {
  const script =
    'nft flush ruleset; for d in /sys/class/net/data*; do n=${d##*/}; ' +
    'tc qdisc del dev "$n" root 2>/dev/null; ip link set dev "$n" up; done; true';
  await Promise.all(
    driver.state.nodes.map(async (n) => {
      for (const r of n.rails) await driver.restoreCable(n.name, r.index);
      const res = await driver.exec(n.name, ['sh', '-c', script], { timeoutMs: 120_000 });
      if (res.code !== 0) throw new Error(`healing faults on ${n.name} failed: ${res.stderr}`);
      // a rail that was down comes back ACTIVE within seconds
      const end = Date.now() + 60_000;
      for (;;) {
        const ports = await probePorts(driver, n, end);
        const down = n.rails.filter((r) => ports[r.rdmaDevice] !== 'ACTIVE').map((r) => `${r.rdmaDevice}=${ports[r.rdmaDevice]}`);
        if (down.length === 0) break;
        if (Date.now() > end) throw new Error(`${n.name}: ports not ACTIVE after healing: ${down.join(' ')}`);
        await new Promise((ok) => setTimeout(ok, 200));
      }
    }),
  );
}

/** A fresh CI machine runs the suite without a prior `rdma-chaos setup`: do it here, once. */
export async function ensureSetup(): Promise<void> {
  const paths = cachePaths();
  if ((await checkSetup(paths)).filter((i) => i.name !== 'root').every((i) => i.ok)) return;
  fs.mkdirSync(paths.root, { recursive: true });
  const unlock = await lockState(paths.root, 'setup (tests)', 30 * 60_000);
  try {
    const items = await checkSetup(paths);
    if (items.find((i) => i.name === 'apt packages')?.ok === false && isRoot()) await setupPackages();
    if (items.filter((i) => i.name !== 'root' && i.name !== 'apt packages').some((i) => !i.ok)) await setupKernel({ paths });
  } finally {
    unlock();
  }
}

/** For the globalTeardown: take the cluster down if this test run booted it. */
export async function teardownSharedCluster(session: string | undefined): Promise<string> {
  const dir = sharedStateDir();
  const markerFile = path.join(dir, MARKER);
  let marker: { session?: string } | undefined;
  try {
    marker = JSON.parse(fs.readFileSync(markerFile, 'utf8')) as { session?: string };
  } catch {
    return 'no cluster booted by the tests';
  }
  if (process.env.RDMA_CHAOS_KEEP_CLUSTER === '1') return `kept the cluster in ${dir} (RDMA_CHAOS_KEEP_CLUSTER=1)`;
  // without a session (a single file run outside the configured globalSetup) we still own it
  if (session && marker.session && marker.session !== session && marker.session !== 'unknown') {
    return `cluster in ${dir} was booted by another test run (${marker.session}); left up`;
  }
  const r = await clusterDown(dir);
  return `took the shared cluster down (${r.stopped.length} processes)`;
}
