// The batches a slice posts, built from its op columns: checked against the connection first,
// then one batch entry per op, and the READs that read-verify sends to judge a replay.
import { FCODE, OPFLAG, type OpArrays } from '../ops';
import { FLAG, OP, allocBatchOps, type BatchOps } from '../verbs';
import { SYNC_IMM_BASE, isSyncImm, type Connection } from './connection';

/** why `conn` cannot carry these ops at this depth, or undefined */
export function unusableFor(o: OpArrays, depth: number, conn: Connection): string | undefined {
  if (depth > conn.sendDepth) return `depth ${depth} exceeds the send queue of ${conn.id} (${conn.sendDepth})`;
  for (let i = 0; i < o.n; i++) {
    if (o.len[i]! > conn.slotSize) return `op #${i} is ${o.len[i]} bytes, above the slot size of ${conn.id} (${conn.slotSize})`;
    if (o.f[i] === FCODE.send) {
      if (o.flags[i]! & OPFLAG.imm && isSyncImm(o.imm[i])) return `op #${i} uses a reserved immediate (0x${SYNC_IMM_BASE.toString(16)}-0x${(SYNC_IMM_BASE + 15).toString(16)})`;
      continue;
    }
    const name = o.regions[o.region[i]!]!;
    const r = conn.remoteRegions.get(name);
    if (!r) return `op #${i}: ${conn.id} knows no region ${name} on ${conn.peer}`;
    if (o.offset[i]! + Math.max(o.len[i]!, 8) > r.size) return `op #${i}: offset ${o.offset[i]} + ${o.len[i]} bytes is outside region ${name} (${r.size} bytes)`;
  }
  return undefined;
}

/** the batch that posts `queue` (op indices) on `conn` */
export function batchFor(o: OpArrays, conn: Connection, queue: Uint32Array): BatchOps {
  const b = allocBatchOps(queue.length);
  const regions = o.regions.map((name) => conn.remoteRegions.get(name));
  for (let j = 0; j < queue.length; j++) {
    const i = queue[j]!;
    const f = o.f[i]!;
    const fl = o.flags[i]!;
    const imm = (fl & OPFLAG.imm) !== 0;
    b.opcode[j] = f === FCODE.write ? (imm ? OP.writeImm : OP.write) : f === FCODE.read ? OP.read : f === FCODE.fadd ? OP.fadd : f === FCODE.cas ? OP.cas : imm ? OP.sendImm : OP.send;
    b.flags[j] = (fl & OPFLAG.barrier ? FLAG.barrier : 0) | (fl & OPFLAG.fence ? FLAG.fence : 0);
    if (f !== FCODE.send) {
      const r = regions[o.region[i]!]!;
      b.raddr[j] = r.addr + BigInt(o.offset[i]!);
      b.rkey[j] = r.rkey;
    }
    b.len[j] = o.len[i]!;
    b.value[j] = o.value[i]!;
    b.expect[j] = o.expect[i]!;
    b.imm[j] = o.imm[i]!;
  }
  withData(o, queue, b);
  return b;
}

/** ops with bytes of their own: the batch's data holds each write's payload and room for each read's bytes */
function withData(o: OpArrays, queue: Uint32Array, b: BatchOps): void {
  let bytes = 0;
  for (let j = 0; j < queue.length; j++) if (o.flags[queue[j]!]! & OPFLAG.data) bytes += o.len[queue[j]!]!;
  if (bytes === 0) return;
  b.data = new Uint8Array(bytes);
  b.dataOff = new Uint32Array(queue.length);
  let at = 0;
  for (let j = 0; j < queue.length; j++) {
    const i = queue[j]!;
    if (!(o.flags[i]! & OPFLAG.data)) continue;
    b.flags[j]! |= FLAG.data;
    b.dataOff[j] = at;
    if (o.f[i] !== FCODE.read) b.data.set(o.data!.subarray(o.dataOff![i]!, o.dataOff![i]! + o.len[i]!), at);
    at += o.len[i]!;
  }
}

/** read-verify: one 8-byte READ of each op's target on `backup` */
export function readBackFor(o: OpArrays, backup: Connection, idxs: readonly number[]): BatchOps {
  const b = allocBatchOps(idxs.length);
  idxs.forEach((i, k) => {
    const r = backup.remoteRegions.get(o.regions[o.region[i]!]!)!;
    b.opcode[k] = OP.read;
    b.raddr[k] = r.addr + BigInt(o.offset[i]!);
    b.rkey[k] = r.rkey;
    b.len[k] = 8;
  });
  return b;
}
