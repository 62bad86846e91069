// The agent process (the bundle's entry is main.ts).
export { main } from './main';
export { AgentServer, type AgentOptions } from './server';
export { FaultManager, clearFaults, checkFaultRules, NFT_TABLE_PREFIX, type Runner } from './faults';
export { readCounters, counterNames } from './counters';
