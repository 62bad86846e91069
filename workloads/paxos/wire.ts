// Paxos messages on the wire: one fixed 40-byte SEND each. A message names its instance,
// ballot and sender, so a duplicated or late one is recognised for what it is (the reason
// Paxos survives a failover replay that slides a byte stream: nothing is read by position).
export const MSG_TYPES = ['prepare', 'promise', 'accept', 'accepted', 'nack'] as const;
export type MsgType = (typeof MSG_TYPES)[number];

export interface Msg {
  type: MsgType;
  /** the replicated log's slot */
  instance: number;
  /** prepare/accept: the proposer's ballot; promise/accepted: the ballot answered; nack: it too */
  ballot: number;
  /** node index of the sender (proposers 1..P, acceptors 1..A: the role says which) */
  sender: number;
  /** accept/accepted: the value; nack: the acceptor's promised ballot */
  value: number;
  /** promise: the acceptor's highest accepted proposal (0, 0 when none) */
  accBallot: number;
  accValue: number;
}

export const MSG_BYTES = 40;

/** ballots and values are u64 on the wire but kept below 2^53 here: plain numbers */
const MAX = Number.MAX_SAFE_INTEGER;

export function encodeMsg(m: Msg): Buffer {
  const b = Buffer.alloc(MSG_BYTES);
  b.writeUInt8(MSG_TYPES.indexOf(m.type) + 1, 0);
  b.writeUInt8(m.sender, 1);
  b.writeUInt32LE(m.instance, 4);
  b.writeBigUInt64LE(BigInt(m.ballot), 8);
  b.writeBigUInt64LE(BigInt(m.value), 16);
  b.writeBigUInt64LE(BigInt(m.accBallot), 24);
  b.writeBigUInt64LE(BigInt(m.accValue), 32);
  return b;
}

/** the message in a received buffer, or why it is not one (a torn or foreign receive) */
export function decodeMsg(b: Buffer): Msg | string {
  if (b.length < MSG_BYTES) return `${b.length} bytes, a message has ${MSG_BYTES}`;
  const t = b.readUInt8(0);
  const type = MSG_TYPES[t - 1];
  if (!type) return `type byte ${t} names no message`;
  const u = (off: number): number | undefined => {
    const v = b.readBigUInt64LE(off);
    return v > BigInt(MAX) ? undefined : Number(v);
  };
  const ballot = u(8);
  const value = u(16);
  const accBallot = u(24);
  const accValue = u(32);
  if (ballot === undefined || value === undefined || accBallot === undefined || accValue === undefined) return 'a field past 2^53';
  return { type, sender: b.readUInt8(1), instance: b.readUInt32LE(4), ballot, value, accBallot, accValue };
}
