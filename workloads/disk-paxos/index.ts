// Disk Paxos over one-sided memory: the block format (CRC-32 against torn reads), the processor
// state machine and the replicated log, its disk ops as the agent's 32-byte payload WRITEs and
// READs, the invariant checks, and the campaign workload (package.ts) over disks on several
// memory nodes.
export { BLOCK_BYTES, blockOffset, decodeBlock, EMPTY_BLOCK, encodeBlock, instancesIn, type Block } from './block';
export { checkDiskPaxos, type DiskPaxosInvariant, type DiskPaxosRecords, type DiskPaxosViolation, type DiskRead, type DiskWrite, type SnapshotBlock } from './checks';
export { recordsFromHistory, recordsFromOps, slotKey, type HistoryShape, type PairedOp } from './history';
export { blockKey, DISK_REGION, toAgentOp, toDiskResult } from './ops';
export { Processor, type Commit, type DiskOp, type DiskResult, type ProcessorOptions } from './processor';
export { simulateDiskPaxos, type DiskSimOptions } from './sim';
export { inputOf, runLog, type LogOptions, type LogOutcome, type Posted } from './log';
export { diskPaxos } from './package';
