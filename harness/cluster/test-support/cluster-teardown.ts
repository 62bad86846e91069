// jest globalTeardown: bring down the shared local cluster if this test run booted it.
import { SESSION_VAR, teardownSharedCluster } from './shared-cluster';

export default async function clusterTeardown(): Promise<void> {
  const what = await teardownSharedCluster(process.env[SESSION_VAR]);
  if (process.env.RDMA_CHAOS_TEST_VERBOSE) process.stderr.write(`shared cluster: ${what}\n`);
}
