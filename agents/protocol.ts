// The agent RPC, defined once: JSON lines on the agent's stdio. The controller writes requests
// ({id, method, params}); the agent writes responses ({id, ok, result | error}) and events
// ({ev, ...}) as they happen. Both sides parse with these schemas.
import { z } from 'zod';
import { FaultObservation, FaultRules } from '../harness/core';
import { POLICY_NAMES } from './failover';
import { OpColumns } from './ops';
import { Column, U64String } from './wire';

export const PROTOCOL_VERSION = 1;

/** a failover policy's name, as the registry lists them */
export const Policy = z.enum(POLICY_NAMES as [string, ...string[]]);
export type Policy = z.infer<typeof Policy>;

const u32 = z.number().int().min(0).max(0xffffffff);
/** the channel name of the responder end of a node's own QP pair toward this agent (PeerOptions.ownPair) */
export const RESPONDER_SUFFIX = '@in';
export const responderOf = (node: string): string => `${node}${RESPONDER_SUFFIX}`;
/** the node a channel's traffic comes from */
export const senderNode = (channel: string): string => (channel.endsWith(RESPONDER_SUFFIX) ? channel.slice(0, -RESPONDER_SUFFIX.length) : channel);

const name = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:@>\-]+$/, 'letters, digits and _ . : @ > -');

export const QpSettingsWire = z
  .object({
    timeout: z.number().int().min(0).max(31),
    retryCnt: z.number().int().min(0).max(7),
    rnrRetry: z.number().int().min(0).max(7),
    maxRdAtomic: z.number().int().min(0).max(255),
    maxDestRdAtomic: z.number().int().min(0).max(255),
    minRnrTimer: z.number().int().min(0).max(31),
    pathMtu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]),
    hopLimit: z.number().int().min(1).max(255),
  })
  .partial()
  .strict();
export type QpSettingsWire = z.infer<typeof QpSettingsWire>;

/** where a receiver publishes [sync nonce, messages delivered from this peer] (2 x u64) */
export const CtlRef = z.object({ addr: U64String, rkey: u32, offset: z.number().int().nonnegative() }).strict();
export type CtlRef = z.infer<typeof CtlRef>;

const req = <M extends string, P extends z.ZodTypeAny>(method: M, params: P) =>
  z.object({ id: z.number().int().nonnegative(), method: z.literal(method), params }).strict();

export const Request = z.discriminatedUnion('method', [
  req('hello', z.object({
    node: name,
    /** first history process id this agent may use; ids grow upward from it */
    processBase: z.number().int().nonnegative(),
    leaseMs: z.number().int().min(200).max(600000),
    /** device per rail; default: devices sorted by name, rail = position */
    rails: z.array(z.object({ rail: z.number().int().min(0).max(15), device: name }).strict()).optional(),
  }).strict()),
  req('info', z.object({}).strict()),
  req('time', z.object({}).strict()),
  req('lease', z.object({ ttlMs: z.number().int().min(200).max(600000) }).strict()),
  req('registerMemory', z.object({ region: name, size: z.number().int().min(8).max(1 << 30).multipleOf(8) }).strict()),
  req('createQp', z.object({
    conn: name,
    peer: name,
    rail: z.number().int().min(0).max(15),
    /** send queue depth, i.e. the most outstanding ops a slice may use */
    sendDepth: z.number().int().min(1).max(4096).optional(),
    recvDepth: z.number().int().min(0).max(4096).optional(),
    /** bytes per op slot: the largest op length on this connection */
    slotSize: z.number().int().min(8).max(1 << 20).multipleOf(8).optional(),
    /** receives on this connection are recorded with their bytes (a message protocol reads them) */
    recvBytes: z.boolean().optional(),
  }).strict()),
  req('connectQp', z.object({
    conn: name,
    remote: z.object({
      qpn: u32,
      psn: z.number().int().min(0).max(0xffffff),
      gid: z.string(),
      /** the peer's control word for us (shift's SEND handshake), from its createQp result */
      ctl: CtlRef.optional(),
    }).strict(),
    regions: z.array(z.object({ name, addr: U64String, rkey: u32, size: z.number().int().positive() }).strict()),
    settings: QpSettingsWire,
  }).strict()),
  req('runSlice', z.object({
    slice: name,
    peer: name,
    policy: Policy,
    ops: OpColumns,
    depth: z.number().int().min(1).max(4096),
    /** ops per second, 0 = unpaced */
    rate: z.number().min(0),
    /** an op outstanding this long is timed out (info) and its QP forced to ERR; 0 = never */
    opTimeoutMs: z.number().int().min(0),
    chunkOps: z.number().int().min(1).optional(),
    /** empty CQ polls before the batch worker blocks on the completion channel (tuning) */
    spin: z.number().int().min(0).optional(),
  }).strict()),
  req('readMemory', z.object({ region: name, offset: z.number().int().nonnegative(), length: z.number().int().min(1).max(1 << 24) }).strict()),
  req('counters', z.object({ devices: z.array(name).optional() }).strict()),
  req('setFaults', z.object({ faults: z.array(FaultRules) }).strict()),
  req('qpState', z.object({ conn: name }).strict()),
  req('forceQpError', z.object({ conn: name }).strict()),
  req('shutdown', z.object({}).strict()),
]);
export type Request = z.infer<typeof Request>;
export type Method = Request['method'];

/** a request line decoded: the request, or what to answer (no id when the line was not JSON) */
export type DecodedRequest = { ok: true; request: Request } | { ok: false; id: number | undefined; error: { code: string; message: string } };

/** The agent's decoder for one request line: it never throws, whatever the bytes. */
export function decodeRequest(line: string): DecodedRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, id: undefined, error: { code: 'agent.badJson', message: `unparsable request: ${JSON.stringify(line.slice(0, 200))}` } };
  }
  const parsed = Request.safeParse(raw);
  if (parsed.success) return { ok: true, request: parsed.data };
  const id = raw !== null && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : -1;
  const issue = parsed.error.issues[0];
  const where = issue ? `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` : 'invalid';
  return { ok: false, id, error: { code: 'agent.badRequest', message: where } };
}
export type ParamsOf<M extends Method> = Extract<Request, { method: M }>['params'];

const GidWire = z.object({ index: z.number(), gid: z.string(), type: z.string() }).strict();
export const InfoResult = z.object({
  protocol: z.number(),
  node: z.string(),
  pid: z.number(),
  /** the lease guardian's pid (absent when the agent runs without one) */
  guardianPid: z.number().optional(),
  binding: z.string(),
  monotonicNs: U64String,
  rails: z.array(z.object({
    rail: z.number(),
    device: z.string(),
    netdev: z.string().optional(),
    state: z.string(),
    activeMtu: z.number(),
    gids: z.array(GidWire),
    gidIndex: z.number().optional(),
  }).strict()),
  counters: z.record(z.string(), z.array(z.string())),
}).strict();
export type InfoResult = z.infer<typeof InfoResult>;

export const TimeResult = z.object({ monotonicNs: U64String }).strict();
export const RegisterResult = z.object({
  region: z.string(),
  size: z.number(),
  rails: z.array(z.object({ rail: z.number(), device: z.string(), addr: U64String, rkey: z.number() }).strict()),
}).strict();
export type RegisterResult = z.infer<typeof RegisterResult>;
export const CreateQpResult = z.object({
  conn: z.string(), rail: z.number(), device: z.string(), qpn: z.number(), psn: z.number(), gid: z.string(), gidIndex: z.number(), mtu: z.number(),
  ctl: CtlRef,
}).strict();
export type CreateQpResult = z.infer<typeof CreateQpResult>;
export const QpStateResult = z.object({ conn: z.string(), qpn: z.number(), state: z.string(), rail: z.number() }).strict();
export type QpStateResult = z.infer<typeof QpStateResult>;
export const SliceResult = z.object({
  slice: z.string(),
  n: z.number(),
  ok: z.number(),
  info: z.number(),
  fail: z.number(),
  failovers: z.number(),
  epoch: z.number(),
  rail: z.number(),
  /** false: no QP toward the peer can carry the next slice (every rail broken); reconnect first */
  usable: z.boolean(),
  /** agent clock: first post and last completion of the slice */
  firstPostNs: U64String,
  lastDoneNs: U64String,
}).strict();
export type SliceResult = z.infer<typeof SliceResult>;
export const MemoryResult = z.object({ region: z.string(), offset: z.number(), base64: z.string(), monotonicNs: U64String }).strict();
export type MemoryResult = z.infer<typeof MemoryResult>;
export const CountersResult = z.object({ monotonicNs: U64String, devices: z.record(z.string(), z.record(z.string(), z.number())) }).strict();
export type CountersResult = z.infer<typeof CountersResult>;
/** `observed`: what was seen so far of each fault the change touched (agent-side evidence) */
export const FaultsResult = z.object({ active: z.array(z.string()), effectiveNs: U64String, tookMs: z.number(), observed: z.record(z.string(), FaultObservation) }).strict();
export type FaultsResult = z.infer<typeof FaultsResult>;
const Empty = z.object({}).strict();

export const RESULTS = {
  hello: InfoResult,
  info: InfoResult,
  time: TimeResult,
  lease: TimeResult,
  registerMemory: RegisterResult,
  createQp: CreateQpResult,
  connectQp: QpStateResult,
  runSlice: SliceResult,
  readMemory: MemoryResult,
  counters: CountersResult,
  setFaults: FaultsResult,
  qpState: QpStateResult,
  forceQpError: QpStateResult,
  shutdown: Empty,
} as const satisfies Record<Method, z.ZodTypeAny>;
export type ResultOf<M extends Method> = z.infer<(typeof RESULTS)[M]>;

export const Response = z.union([
  z.object({ id: z.number(), ok: z.literal(true), result: z.unknown() }).strict(),
  z.object({ id: z.number(), ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }).strict() }).strict(),
]);
export type Response = z.infer<typeof Response>;

/** final records of ops: one row per op, each op reported exactly once */
export const OpsEvent = z.object({
  ev: z.literal('ops'),
  slice: z.string(),
  n: z.number().int().nonnegative(),
  /** error names referenced by the err column (0 = none, k = errors[k-1]) */
  errors: z.array(z.string()),
  /** base64: the bytes of the ops with hasResult 2 (reads that asked for them), in event order, len bytes each */
  bytes: z.string().optional(),
  cols: z.object({
    idx: Column, type: Column, process: Column, tInv: Column, tDone: Column, result: Column, hasResult: Column, err: Column,
    iRail: Column, iQpn: Column, iPsn: Column, iEpoch: Column,
    dRail: Column, dQpn: Column, dPsn: Column, dEpoch: Column, repost: Column,
  }).strict(),
}).strict();
export type OpsEvent = z.infer<typeof OpsEvent>;

/** successful receives (SEND/RECV), with the time each RECV was posted as its invocation */
export const RecvsEvent = z.object({
  ev: z.literal('recvs'),
  n: z.number().int().nonnegative(),
  peers: z.array(z.string()),
  cols: z.object({ process: Column, tInv: Column, tDone: Column, value: Column, peer: Column, rail: Column, qpn: Column, len: Column, hasBytes: Column.optional() }).strict(),
  /** base64: the bytes of the receives with hasBytes 1, in event order, len bytes each */
  bytes: z.string().optional(),
}).strict();
export type RecvsEvent = z.infer<typeof RecvsEvent>;

export const FailoverEvent = z.object({
  ev: z.literal('failover'),
  slice: z.string(),
  peer: z.string(),
  policy: Policy,
  fromRail: z.number(),
  toRail: z.number().nullable(),
  epoch: z.number(),
  timeNs: U64String,
  reason: z.string(),
  unresolved: z.number(),
  reposted: z.number(),
  /** read-verify: skipped because the target looked applied; shift: SENDs the receiver had */
  skipped: z.number(),
  info: z.number(),
  /** shift: the receiver fenced its QP on the abandoned rail before anything was re-posted */
  fenced: z.boolean().optional(),
}).strict();
export type FailoverEvent = z.infer<typeof FailoverEvent>;

export const AsyncEventWire = z.object({
  ev: z.literal('async'), device: z.string(), type: z.string(), port: z.number().optional(), qpn: z.number().optional(), timeNs: U64String,
}).strict();
export const LogEvent = z.object({ ev: z.literal('log'), level: z.enum(['info', 'warn', 'error']), msg: z.string(), timeNs: U64String }).strict();
export const ByeEvent = z.object({ ev: z.literal('bye'), reason: z.enum(['shutdown', 'lease', 'eof']), healed: z.boolean() }).strict();

export const AgentEvent = z.discriminatedUnion('ev', [OpsEvent, RecvsEvent, FailoverEvent, AsyncEventWire, LogEvent, ByeEvent]);
export type AgentEvent = z.infer<typeof AgentEvent>;

export const OUTCOME = { ok: 1, info: 2, fail: 3 } as const;
export const PSN_UNKNOWN = 0xffffffff;
