// Disk Paxos over one-sided memory: the block format (CRC-32 against torn reads), the processor
// state machine and the invariant checks. (The workload package, its agent role and campaigns
// come next; until the registry names it, a campaign cannot ask for it.)
export { BLOCK_BYTES, blockOffset, decodeBlock, EMPTY_BLOCK, encodeBlock, instancesIn, type Block } from './block';
export { checkDiskPaxos, type DiskPaxosInvariant, type DiskPaxosRecords, type DiskPaxosViolation, type DiskRead, type DiskWrite, type SnapshotBlock } from './checks';
export { Processor, type Commit, type DiskOp, type DiskResult, type ProcessorOptions } from './processor';
export { simulateDiskPaxos, type DiskSimOptions } from './sim';
