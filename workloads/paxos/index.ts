// Paxos over SEND/RECV: the wire format (one 40-byte SEND payload per message, received as bytes on a
// recvBytes connection), the acceptor and proposer state machines, the replicated log, the
// invariant checks and the campaign workload (package.ts).
export { checkPaxos, type Accepted, type Decided, type InvariantViolation, type PaxosInvariant, type PaxosRecords, type Proposed } from './checks';
export { acceptorStep, EMPTY_SLOT, Proposer, type AcceptorSlot, type Decision, type Out, type ProposerOptions } from './protocol';
export { simulatePaxos, type SimOptions } from './sim';
export { decodeMsg, encodeMsg, MSG_BYTES, MSG_TYPES, type Msg, type MsgType } from './wire';
export { runPaxosLog, valueOf, type PaxosLogOptions, type PaxosLogOutcome } from './log';
export { messageLanes, type Lanes } from './lanes';
export { paxos } from './package';
