// Test fixtures for the agent: a local process driver with the fake binding, and the real
// SoftRoCE cluster (shared local cluster, or a lab given by RDMA_CHAOS_VMLAB).
export { ProcessDriver } from './process-driver';
export { startFakeAgent, pidAlive } from './fake-agent';
export { rxeCluster, type RxeCluster } from './rxe-cluster';
export { startPair, completed, waitPortActive, FAST_FAIL, type AgentPair } from './rxe-agents';
