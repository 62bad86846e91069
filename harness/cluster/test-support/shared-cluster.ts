// The one local SoftRoCE cluster the whole test suite shares (booting is the expensive part:
// CI has 2 cores and 90 minutes). acquireSharedCluster() reuses a running cluster with enough
// nodes and rails, or runs setup if needed and boots one (2 nodes, 2 rails). Concurrent jest
// workers serialise on the state dir's lock, so only one boots; the others then reuse it.
// A cluster the suite booted is marked, and the jest globalTeardown (cluster-teardown.ts)
// takes it down at the end of the run. RDMA_CHAOS_KEEP_CLUSTER=1 keeps it for the next run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NodeDriver } from '../driver';
import { clusterDown, ensureCluster, type LocalDriver } from '../local';
import { lockState } from '../local/state';
import { cachePaths, checkSetup, isRoot, setupKernel, setupPackages, stateDir } from '../../setup';

export interface SharedCluster {
  driver: NodeDriver & LocalDriver;
  /** node names, e.g. ['node1', 'node2'] */
  nodes: string[];
  stateDir: string;
  /** closes this test file's SSH connections; the cluster stays up for the other files */
  release(): Promise<void>;
}

/** Set by the jest globalSetup; identifies this test run in the marker file. */
export const SESSION_VAR = 'RDMA_CHAOS_TEST_SESSION';
const MARKER = 'booted-by-tests';

/** The suite's cluster lives in the normal state dir, so a cluster you started is reused. */
export function sharedStateDir(): string {
  return stateDir();
}

export async function acquireSharedCluster(o: { nodes?: number; rails?: number } = {}): Promise<SharedCluster> {
  await ensureSetup();
  const dir = sharedStateDir();
  const r = await ensureCluster({
    nodes: o.nodes ?? 2,
    rails: o.rails ?? 2,
    stateDir: dir,
    // another worker may be booting it under the lock: wait for that instead of failing
    lockWaitMs: 15 * 60_000,
    log: process.env.RDMA_CHAOS_TEST_VERBOSE ? (l) => process.stderr.write(`shared cluster: ${l}\n`) : undefined,
  });
  if (!r.reused) {
    fs.writeFileSync(path.join(dir, MARKER), JSON.stringify({ session: process.env[SESSION_VAR] ?? 'unknown', pid: process.pid }) + '\n');
  }
  return {
    driver: r.driver,
    nodes: r.state.nodes.map((n) => n.name),
    stateDir: dir,
    release: () => r.driver.close(),
  };
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
