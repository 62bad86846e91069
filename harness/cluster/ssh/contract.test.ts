// The ssh driver passes the driver contract against real sshd instances in network namespaces.
import { describeDriverContract } from '../contract';
import { hostRxe, startSshHosts } from '../test-support';
import { openSshDriver } from './driver';

const rxe = hostRxe();

describeDriverContract(
  'ssh',
  async () => {
    const hosts = await startSshHosts({ hosts: 2, rails: 1 });
    return { driver: openSshDriver(hosts.inventory), teardown: () => hosts.stop() };
  },
  { rdma: rxe.available, rdmaSkipReason: rxe.reason, timeoutMs: 30_000, setupTimeoutMs: 60_000 },
);
