// Control traffic of a failover, outside the history: one-off batches on the backup QP, and
// shift's handshake with the receiver.
import { randomBytes } from 'node:crypto';
import { OP, allocBatchOps, type BatchOps } from '../verbs';
import { SYNC_IMM_BASE, type Connection } from './connection';

const SYNC_TIMEOUT_MS = 5000;

export interface ControlResult {
  status: Int16Array;
  result: BigUint64Array;
  tDone: BigUint64Array;
}

export async function runControl(conn: Connection, ops: BatchOps, opTimeoutMs: number): Promise<ControlResult> {
  const n = ops.opcode.length;
  const out: ControlResult = { status: new Int16Array(n), result: new BigUint64Array(n), tDone: new BigUint64Array(n) };
  await conn.qp.runBatch({ scratch: conn.scratch, slotSize: conn.slotSize, depth: Math.min(n, conn.sendDepth), opTimeoutMs }, ops, (c) => {
    out.status.set(c.status, c.start);
    out.result.set(c.result, c.start);
    out.tDone.set(c.tDone, c.start);
  });
  if (out.status.some((s) => s !== 0)) conn.refreshState();
  return out;
}

/**
 * shift's handshake: SEND a nonce naming the abandoned rail; the receiver fences its QP on that
 * rail, drains its CQs and publishes [nonce, count]; READ until the nonce shows, then the count
 * is final. Returns the receiver's count of messages delivered from us, or undefined when the
 * handshake fails.
 */
export async function syncHandshake(
  backup: Connection,
  abandonedRail: number,
  aborted: () => boolean,
  run: (ops: BatchOps) => Promise<ControlResult>,
): Promise<bigint | undefined> {
  const ctl = backup.remoteCtl;
  if (!ctl) return undefined;
  const nonce = randomBytes(8).readBigUInt64LE() | 1n;
  const s = allocBatchOps(1);
  s.opcode[0] = OP.sendImm;
  s.len[0] = 8;
  s.value[0] = nonce;
  s.imm[0] = SYNC_IMM_BASE + abandonedRail;
  if ((await run(s)).status[0] !== 0) return undefined;
  const deadline = Date.now() + SYNC_TIMEOUT_MS;
  while (Date.now() < deadline && !aborted()) {
    // nonce first, count second: READs execute in order, and the receiver writes the count first
    const r = allocBatchOps(2);
    for (let k = 0; k < 2; k++) {
      r.opcode[k] = OP.read;
      r.raddr[k] = ctl.addr + BigInt(ctl.offset + 8 * k);
      r.rkey[k] = ctl.rkey;
      r.len[k] = 8;
    }
    const res = await run(r);
    if (res.status[0] !== 0 || res.status[1] !== 0) return undefined;
    if (res.result[0] === nonce) return res.result[1]!;
    await new Promise((ok) => setTimeout(ok, 2));
  }
  return undefined;
}
