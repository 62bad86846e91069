// Expands the agent's columnar `ops`/`recvs` events into history events (harness/core/history's
// schema): an invoke and a completion per op. Runs on the controller, so the guest never pays
// for per-op JSON.
import type { HistoryEvent, Json, RdmaMeta } from '../harness/core';
import type { ClockSync } from './clock';
import { defaultKey, type OpDescriptor } from './ops';
import { OUTCOME, PSN_UNKNOWN, type OpsEvent, type RecvsEvent } from './protocol';
import { decodeColumn, decodeColumn64, u64Json } from './wire';

export interface SliceContext {
  node: string;
  peer: string;
  ops: readonly OpDescriptor[];
  /** the first op's wr id: ops of a client get consecutive ids across slices */
  opBase: number;
  mtu: number;
}

const TYPES: Record<number, 'ok' | 'info' | 'fail'> = { [OUTCOME.ok]: 'ok', [OUTCOME.info]: 'info', [OUTCOME.fail]: 'fail' };

function psnRange(first: number, op: OpDescriptor, mtu: number): [number, number] | undefined {
  if (first === PSN_UNKNOWN) return undefined;
  const len = op.f === 'fadd' || op.f === 'cas' ? 8 : op.len ?? 8;
  const span = op.f === 'fadd' || op.f === 'cas' || len === 0 ? 1 : Math.ceil(len / mtu);
  return [first, (first + span - 1) & 0xffffff];
}

/** bytes in a history event: {bytes: hex, in memory order} (a value is a number, never this) */
export function bytesJson(b: Uint8Array): Json {
  return { bytes: Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex') };
}

/** the bytes of a {bytes: hex} history value, or undefined when it is no such value */
export function bytesFromJson(j: Json | undefined): Buffer | undefined {
  if (j === null || typeof j !== 'object' || Array.isArray(j)) return undefined;
  const hex = j.bytes;
  return typeof hex === 'string' ? Buffer.from(hex, 'hex') : undefined;
}

function argOf(op: OpDescriptor): Json | undefined {
  if (op.data instanceof Uint8Array) return bytesJson(op.data);
  const v = op.value ?? 0n;
  switch (op.f) {
    case 'cas':
      return [u64Json(op.expect ?? 0n), u64Json(v)];
    case 'read':
      return undefined;
    default:
      return u64Json(v);
  }
}

export function opsToHistory(ev: OpsEvent, ctx: SliceContext, clock: ClockSync): HistoryEvent[] {
  const n = ev.n;
  const c = ev.cols;
  const idx = decodeColumn<Uint32Array>(c.idx, n, Uint32Array, 'idx');
  const type = decodeColumn<Uint8Array>(c.type, n, Uint8Array, 'type');
  const process = decodeColumn<Uint32Array>(c.process, n, Uint32Array, 'process');
  const tInv = decodeColumn64(c.tInv, n, 'tInv');
  const tDone = decodeColumn64(c.tDone, n, 'tDone');
  const result = decodeColumn64(c.result, n, 'result');
  const hasResult = decodeColumn<Uint8Array>(c.hasResult, n, Uint8Array, 'hasResult');
  const err = decodeColumn<Uint16Array>(c.err, n, Uint16Array, 'err');
  const iRail = decodeColumn<Uint8Array>(c.iRail, n, Uint8Array, 'iRail');
  const iQpn = decodeColumn<Uint32Array>(c.iQpn, n, Uint32Array, 'iQpn');
  const iPsn = decodeColumn<Uint32Array>(c.iPsn, n, Uint32Array, 'iPsn');
  const iEpoch = decodeColumn<Uint16Array>(c.iEpoch, n, Uint16Array, 'iEpoch');
  const dRail = decodeColumn<Uint8Array>(c.dRail, n, Uint8Array, 'dRail');
  const dQpn = decodeColumn<Uint32Array>(c.dQpn, n, Uint32Array, 'dQpn');
  const dPsn = decodeColumn<Uint32Array>(c.dPsn, n, Uint32Array, 'dPsn');
  const dEpoch = decodeColumn<Uint16Array>(c.dEpoch, n, Uint16Array, 'dEpoch');
  const repost = decodeColumn<Uint8Array>(c.repost, n, Uint8Array, 'repost');
  const bytes = ev.bytes !== undefined ? Buffer.from(ev.bytes, 'base64') : undefined;
  let at = 0;
  const out: HistoryEvent[] = [];
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    const op = ctx.ops[i];
    if (!op) throw new TypeError(`ops event for slice ${ev.slice} names op #${i}, beyond the ${ctx.ops.length} sent`);
    const key = defaultKey(op, ctx.node, ctx.peer);
    const value = argOf(op);
    const wrId = ctx.opBase + i;
    const ipsn = psnRange(iPsn[k]!, op, ctx.mtu);
    const invMeta: RdmaMeta = { rail: iRail[k]!, qpn: iQpn[k]!, epoch: iEpoch[k]!, wrId, ...(ipsn ? { psn: ipsn } : {}) };
    const dpsn = psnRange(dPsn[k]!, op, ctx.mtu);
    const doneMeta: RdmaMeta = { rail: dRail[k]!, qpn: dQpn[k]!, epoch: dEpoch[k]!, wrId, ...(dpsn ? { psn: dpsn } : {}), ...(repost[k] ? { repost: true } : {}) };
    const base = { process: process[k]!, f: op.f, node: ctx.node, key, ...(value !== undefined ? { value } : {}) };
    out.push({ type: 'invoke', ...base, time: clock.toLocal(tInv[k]!), rdma: invMeta });
    const t = TYPES[type[k]!];
    if (!t) throw new TypeError(`ops event for slice ${ev.slice}: op #${i} has outcome code ${type[k]}`);
    const e = err[k]!;
    out.push({
      type: t,
      ...base,
      ...(hasResult[k] === 2 ? { result: bytesJson(takeBytes(op, ev.slice)) } : hasResult[k] ? { result: u64Json(result[k]!) } : {}),
      ...(e ? { error: ev.errors[e - 1] ?? 'UNKNOWN' } : {}),
      time: clock.toLocal(tDone[k]!),
      rdma: doneMeta,
    });
  }
  if (bytes && at !== bytes.length) throw new TypeError(`ops event for slice ${ev.slice}: ${bytes.length - at} bytes left over after its reads`);
  return out;

  function takeBytes(op: OpDescriptor, slice: string): Uint8Array {
    const len = op.len ?? 8;
    if (!bytes || at + len > bytes.length) throw new TypeError(`ops event for slice ${slice}: a read's ${len} bytes are missing`);
    return bytes.subarray(at, (at += len));
  }
}

export function recvsToHistory(ev: RecvsEvent, node: string, clock: ClockSync): HistoryEvent[] {
  const n = ev.n;
  const c = ev.cols;
  const process = decodeColumn<Uint32Array>(c.process, n, Uint32Array, 'process');
  const tInv = decodeColumn64(c.tInv, n, 'tInv');
  const tDone = decodeColumn64(c.tDone, n, 'tDone');
  const value = decodeColumn64(c.value, n, 'value');
  const peer = decodeColumn<Uint16Array>(c.peer, n, Uint16Array, 'peer');
  const rail = decodeColumn<Uint8Array>(c.rail, n, Uint8Array, 'rail');
  const qpn = decodeColumn<Uint32Array>(c.qpn, n, Uint32Array, 'qpn');
  const hasBytes = c.hasBytes !== undefined ? decodeColumn<Uint8Array>(c.hasBytes, n, Uint8Array, 'hasBytes') : undefined;
  const len = hasBytes ? decodeColumn<Uint32Array>(c.len, n, Uint32Array, 'len') : undefined;
  const bytes = Buffer.from(ev.bytes ?? '', 'base64');
  let at = 0;
  const out: HistoryEvent[] = [];
  for (let k = 0; k < n; k++) {
    const key = `${ev.peers[peer[k]!] ?? '?'}->${node}`;
    const meta: RdmaMeta = { rail: rail[k]!, qpn: qpn[k]! };
    out.push({ type: 'invoke', process: process[k]!, f: 'recv', node, key, time: clock.toLocal(tInv[k]!), rdma: meta });
    let result: Json = u64Json(value[k]!);
    if (hasBytes?.[k]) {
      if (at + len![k]! > bytes.length) throw new TypeError(`recvs event: a receive's ${len![k]} bytes are missing`);
      result = bytesJson(bytes.subarray(at, (at += len![k]!)));
    }
    out.push({ type: 'ok', process: process[k]!, f: 'recv', node, key, result, time: clock.toLocal(tDone[k]!), rdma: meta });
  }
  return out;
}

/**
 * The ops of a slice the agent never reported because it died (its node crashed, its session
 * dropped): each may or may not have executed, so each is an invoke at the slice's send time
 * and an info when the agent was found gone, in a process of its own (a crashed process issues
 * nothing more).
 */
export function unreportedToHistory(
  ctx: SliceContext,
  reported: Uint8Array,
  sentNs: number,
  lostNs: number,
  nextProcess: () => number,
  error: string,
): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  ctx.ops.forEach((op, i) => {
    if (reported[i]) return;
    const value = argOf(op);
    const base = { process: nextProcess(), f: op.f, node: ctx.node, key: defaultKey(op, ctx.node, ctx.peer), ...(value !== undefined ? { value } : {}) };
    const rdma: RdmaMeta = { wrId: ctx.opBase + i };
    out.push({ type: 'invoke', ...base, time: sentNs, rdma });
    out.push({ type: 'info', ...base, error, time: Math.max(lostNs, sentNs), rdma });
  });
  return out;
}
