// The local (qemu) driver passes the driver contract on the suite's shared SoftRoCE cluster,
// RDMA cases included: these nodes run the real rdma_rxe. The generous per-case timeout is for
// a 2-core host where other suites load the same VMs (TCG slows down with the host).
import { describeDriverContract } from '../contract';
import { acquireSharedCluster } from '../test-support';

describeDriverContract(
  'local',
  async () => {
    const c = await acquireSharedCluster({ nodes: 2, rails: 2 });
    // release: the next test file may have the cluster; it stays up until the globalTeardown
    return { driver: c.driver, teardown: () => c.release() };
  },
  { rdma: true, timeoutMs: 180_000, setupTimeoutMs: 15 * 60_000 },
);
