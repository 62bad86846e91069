// The receiving side of SEND/RECV: every successful data receive becomes a recv op (invoked
// when its buffer was posted, completed when the completion was polled), streamed as columnar
// `recvs` events. A SYNC request (shift's handshake) first drains every receive CQ from that
// peer, then publishes [nonce, delivered count] for the sender to READ. Before draining it
// fences the rail the sender abandoned (its QP from that peer goes to ERR): a packet of the old
// QP that a fabric still holds (qemu queues frames for a downed NIC and delivers them on link
// up) must not be delivered after the count was given, or the re-post would duplicate it.
import { senderNode, type RecvsEvent } from '../protocol';
import type { Completion } from '../verbs';
import { encodeColumn, encodeColumn64 } from '../wire';
import { SYNC_IMM_BASE, isSyncImm, type Connection, type RecvHandler } from './connection';
import type { NodeState } from './state';

const FLUSH_EVERY = 512;
const FLUSH_MS = 50;

export class Receiver implements RecvHandler {
  private process: number[] = [];
  private tInv: bigint[] = [];
  private tDone: bigint[] = [];
  private value: bigint[] = [];
  private peer: number[] = [];
  private rail: number[] = [];
  private qpn: number[] = [];
  private len: number[] = [];
  /** receives on recvBytes connections: 1, and their bytes in `bytes` */
  private hasBytes: number[] = [];
  private bytes: Uint8Array[] = [];
  private peers: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly state: NodeState) {}

  onRecv(conn: Connection, wcs: Completion[]): void {
    const ch = this.state.channel(conn.peer);
    const repost: number[] = [];
    let sync: bigint | undefined;
    let abandoned: number | undefined;
    for (const wc of wcs) {
      const slot = Number(wc.wrId);
      if (wc.status !== 'IBV_WC_SUCCESS') {
        // flushed: the QP is in ERR and the buffer is gone with it; no message was consumed
        conn.state = 'broken';
        continue;
      }
      repost.push(slot);
      if (isSyncImm(wc.imm)) {
        sync = conn.recvValue(slot, wc.byteLen);
        abandoned = wc.imm - SYNC_IMM_BASE;
        continue;
      }
      ch.delivered += 1n;
      this.record(conn, slot, wc);
    }
    try {
      conn.postRecvs(repost);
    } catch {
      conn.state = 'broken';
    }
    if (sync !== undefined) {
      const old = ch.conns.get(abandoned!);
      if (old && old !== conn && old.state !== 'created') {
        try {
          old.qp.toError();
        } catch {
          /* already gone */
        }
        old.state = 'broken';
      }
      // everything that arrived from this peer on any rail must be counted before we answer
      for (const c of ch.conns.values()) {
        if (c.state === 'created') continue;
        for (let wcs2 = c.recvCq.poll(64); wcs2.length > 0; wcs2 = c.recvCq.poll(64)) this.onRecv(c, wcs2);
      }
    }
    this.state.publishDelivered(ch, sync);
    this.schedule();
  }

  private record(conn: Connection, slot: number, wc: Completion): void {
    // the sender's node, also for the responder end of its own pair (PeerOptions.ownPair)
    const from = senderNode(conn.peer);
    let p = this.peers.indexOf(from);
    if (p < 0) p = this.peers.push(from) - 1;
    this.process.push(conn.recvProcess[slot]!);
    this.tInv.push(conn.recvPostNs[slot]!);
    this.tDone.push(wc.timeNs);
    this.value.push(conn.recvValue(slot, wc.byteLen));
    this.peer.push(p);
    this.rail.push(conn.rail.rail);
    this.qpn.push(conn.qp.qpn);
    this.len.push(wc.byteLen);
    this.hasBytes.push(conn.recvBytes ? 1 : 0);
    if (conn.recvBytes) this.bytes.push(conn.recvData(slot, wc.byteLen));
    if (this.process.length >= FLUSH_EVERY) this.flush();
  }

  private schedule(): void {
    if (this.timer || this.process.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, FLUSH_MS);
  }

  flush(): void {
    const n = this.process.length;
    if (n === 0) return;
    const ev: RecvsEvent = {
      ev: 'recvs',
      n,
      peers: [...this.peers],
      cols: {
        process: encodeColumn(Uint32Array.from(this.process)),
        tInv: encodeColumn64(BigUint64Array.from(this.tInv)),
        tDone: encodeColumn64(BigUint64Array.from(this.tDone)),
        value: encodeColumn64(BigUint64Array.from(this.value)),
        peer: encodeColumn(Uint16Array.from(this.peer)),
        rail: encodeColumn(Uint8Array.from(this.rail)),
        qpn: encodeColumn(Uint32Array.from(this.qpn)),
        len: encodeColumn(Uint32Array.from(this.len)),
        ...(this.bytes.length ? { hasBytes: encodeColumn(Uint8Array.from(this.hasBytes)) } : {}),
      },
      ...(this.bytes.length ? { bytes: Buffer.concat(this.bytes).toString('base64') } : {}),
    };
    this.process = [];
    this.tInv = [];
    this.tDone = [];
    this.value = [];
    this.peer = [];
    this.rail = [];
    this.qpn = [];
    this.len = [];
    this.hasBytes = [];
    this.bytes = [];
    this.state.emit(ev);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
