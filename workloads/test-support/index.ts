// Test wiring shared by the workloads' real-cluster tests.
export { consensusNodes, median, p99, readRoundTripMs, type ConsensusNodes } from './consensus';
