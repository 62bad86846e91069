// The ground floor: the words every other floor shares. It imports nothing of ours from above:
// errors and exit codes, the seeded rng, durations, JSON values, the fault vocabulary, the node
// driver interface, the history schema with its readers and pairing, and the run directory.
export * from './errors';
export * from './secrets';
export * from './nesting';
export * from './rng';
export * from './paths';
export type { CommandContext, Output } from './context';
export * from './duration';
export * from './numbers';
export * from './json';
export * from './faults';
export * from './driver';
export * from './history';
export * from './store';
export * from './patterns';
export * from './checks';
export * from './procs';
export * from './cache-tree';
