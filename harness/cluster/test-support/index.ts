// Real infrastructure for the cluster tests (sshd in network namespaces, a private dockerd),
// each torn down from its on-disk record even when a test failed or a worker died.
export { dockerdLeftovers, startDockerd, type Dockerd } from './dockerd';
export { alive, hostRxe, must, run, waitFor } from './host';
export { leftovers as clusterLeftovers, removeTestCluster, spawnCli, testStateDir, waitUntil, type Leftovers } from './local';
export { sweepStale } from './registry';
export { acquireSharedCluster, ensureSetup, sharedStateDir, type SharedCluster } from './shared-cluster';
export { leftovers, startSshHosts, type SshHosts, type SshHostsOptions, type SshTestHost } from './sshd';
