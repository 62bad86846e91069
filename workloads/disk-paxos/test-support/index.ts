// Test wiring for Disk Paxos: a driver of processors over real agents.
export { DECIDER_BASE, diskSnapshot, driveLog, inputOf, valuesPerSlot, type DriveOptions, type Driven } from './drive';
