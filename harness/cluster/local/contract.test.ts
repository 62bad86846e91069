// The local (qemu) driver passes the driver contract on the suite's shared SoftRoCE cluster,
// RDMA cases included: these nodes run the real rdma_rxe.
import { describeDriverContract } from '../contract';
import { acquireSharedCluster } from '../test-support/shared-cluster';

describeDriverContract(
  'local',
  async () => {
    const c = await acquireSharedCluster({ nodes: 2, rails: 2 });
    // driver.close() (done by the suite) drops the SSH connections; the cluster stays up for
    // the other test files and the globalTeardown takes it down.
    return { driver: c.driver };
  },
  { rdma: true, timeoutMs: 60_000, setupTimeoutMs: 15 * 60_000 },
);
