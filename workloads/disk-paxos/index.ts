// Disk Paxos over one-sided memory: the block format (CRC-32 against torn reads), the processor
// state machine, its disk ops as the agent's 32-byte payload WRITEs and READs, and the invariant
// checks. (The workload package over disks on several memory nodes and its campaigns come next;
// until the registry names it, a campaign cannot ask for it.)
export { BLOCK_BYTES, blockOffset, decodeBlock, EMPTY_BLOCK, encodeBlock, instancesIn, type Block } from './block';
export { checkDiskPaxos, type DiskPaxosInvariant, type DiskPaxosRecords, type DiskPaxosViolation, type DiskRead, type DiskWrite, type SnapshotBlock } from './checks';
export { recordsFromHistory, slotKey, type HistoryShape } from './history';
export { blockKey, DISK_REGION, toAgentOp, toDiskResult } from './ops';
export { Processor, type Commit, type DiskOp, type DiskResult, type ProcessorOptions } from './processor';
export { simulateDiskPaxos, type DiskSimOptions } from './sim';
