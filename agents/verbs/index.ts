// The verbs layer: thin validated wrappers over the native binding (agents/native).
export { allocBatchOps, type BatchChunk, type BatchOps, type BatchOptions, type BatchSummary } from './batch';
export { BINDING_FILE, bindingCandidates, bindingSource, loadBinding } from './binding';
export { CompletionQueue, type Completion } from './cq';
export { Device, listDevices, type AsyncEvent, type DeviceAttr, type DeviceSummary, type GidEntry, type PortAttr } from './device';
export { MemoryRegion } from './mr';
export { ACCESS, BATCH, FLAG, OP, wcStatusCode, wcStatusName, type AccessName, type OpName } from './opcodes';
export { DEFAULT_ACCESS, ProtectionDomain, allocAligned } from './pd';
export { DEFAULT_QP_SETTINGS, QueuePair, checkQpSettings, type LocalRef, type QpCaps, type QpEndpoint, type QpSettings, type QpState, type RecvWr, type RemoteRef, type SendWr } from './qp';
