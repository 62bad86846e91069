// Reconfiguration under faults (Adore's conditions): the reconfigurable log's state machines
// (protocol.ts), its seeded simulation, the log over SEND/RECV and the campaign workload, whose
// check rebuilds the cache tree for the cache-tree checker.
export { CacheStore, CONDITIONS, cacheId, cacheNo, cacheNoOf, nextConfig, reconfigBlockers, RNode, type Condition, type Made, type NodeOptions, type Out } from './protocol';
export { simulateReconfig, type ReconfigSimOptions, type ReconfigSimOutcome } from './sim';
export { runReconfigLog, type ReconfigLogOptions, type ReconfigLogOutcome } from './log';
export { reconfig } from './package';
