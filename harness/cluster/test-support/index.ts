// Real infrastructure for the cluster tests (sshd in network namespaces, a private dockerd),
// each torn down from its on-disk record even when a test failed or a worker died.
export { hostRxe, run, must, waitFor, alive } from './host';
export { sweepStale } from './registry';
export { startSshHosts, leftovers, type SshHosts, type SshTestHost, type SshHostsOptions } from './sshd';
export { startDockerd, dockerdLeftovers, type Dockerd } from './dockerd';
export { acquireSharedCluster, sharedStateDir, type SharedCluster } from './shared-cluster';
