// Test wiring for Paxos: a driver of proposers and acceptors over real SEND/RECV.
export { drivePaxos, valueOf, type PaxosDriveOptions, type PaxosDriven } from './drive';
