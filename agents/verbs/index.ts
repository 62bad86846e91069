// The verbs layer: thin validated wrappers over the native binding (agents/native).
export { loadBinding, bindingSource, bindingCandidates } from './binding';
export { Device, listDevices, type DeviceSummary, type PortAttr, type GidEntry, type DeviceAttr, type AsyncEvent } from './device';
export { ProtectionDomain, allocAligned, DEFAULT_ACCESS } from './pd';
export { MemoryRegion } from './mr';
export { CompletionQueue, type Completion } from './cq';
export {
  QueuePair, DEFAULT_QP_SETTINGS, checkQpSettings,
  type QpCaps, type QpEndpoint, type QpSettings, type SendWr, type RecvWr, type LocalRef, type RemoteRef, type QpState,
} from './qp';
export { allocBatchOps, type BatchOps, type BatchOptions, type BatchChunk, type BatchSummary } from './batch';
export { OP, BATCH, FLAG, ACCESS, wcStatusName, wcStatusCode, type OpName, type AccessName } from './opcodes';
