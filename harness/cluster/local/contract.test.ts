// The local (qemu) driver passes the driver contract on the suite's shared SoftRoCE cluster,
// RDMA cases included: these nodes run the real rdma_rxe. The generous per-case timeout is for
// a 2-core host where other suites load the same VMs (TCG slows down with the host).
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
  { rdma: true, timeoutMs: 180_000, setupTimeoutMs: 15 * 60_000 },
);
