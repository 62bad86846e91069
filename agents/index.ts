// The agent package as the controller uses it: the client, the protocol and op descriptors.
// (The verbs layer is agents/verbs; the agent process itself is agents/agent.)
export { AgentClient, type AgentClientOptions, type SliceRequest, type AgentExit } from './client';
export { connectPeers, connName, type PeerOptions, type PeerLink } from './peers';
export { encodeOps, decodeOps, defaultKey, OP_FS, type OpDescriptor, type OpFn } from './ops';
export { bytesFromJson, bytesJson } from './history';
export * from './protocol';
export { ClockSync } from './clock';
export { ensureAgentBundle, buildAgentBundle, type AgentBundle } from './ship';
export { RdmaError, isRdmaError } from './errors';
export { POLICIES, POLICY_NAMES, DEFAULT_POLICY, policyFor, type FailoverPolicy } from './failover';
