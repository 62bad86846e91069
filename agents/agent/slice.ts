// Runs one workload slice toward a peer: ops go through the batch path on the channel's current
// QP; when that QP breaks, the failover policy decides the fate of every unresolved op and the
// rest of the slice continues on the backup rail. Outcomes are honest: ok on success, info when
// the op may have executed (error completion, flush, timeout), fail only when it provably never
// reached the wire (never posted, or refused by ibv_post_send).
import { ChaosError, ExitCode, InputError } from '../../harness/core';
import { policyFor, settleSends, type FailoverPolicy, type UnresolvedOp } from '../failover';
import { FCODE, FNAME, OPFLAG, type OpArrays } from '../ops';
import { PSN_UNKNOWN, type FailoverEvent, type Policy, type SliceResult } from '../protocol';
import { BATCH, loadBinding, wcStatusName, type BatchChunk, type BatchOps, type BatchSummary } from '../verbs';
import type { Connection } from './connection';
import { runControl, syncHandshake, type ControlResult } from './control';
import { OpRecords, type Attempt } from './records';
import { batchFor, readBackFor, unusableFor } from './slice-ops';
import type { Channel, NodeState } from './state';

const ERR_QP = 'IBV_QPS_ERR';
/** results reach the controller at least this often; longer gaps cost the guest less CPU */
const PROGRESS_MS = 200;

export interface SliceParams {
  slice: string;
  peer: string;
  policy: Policy;
  ops: OpArrays;
  depth: number;
  rate: number;
  opTimeoutMs: number;
  chunkOps: number;
  spin?: number;
}

interface RunOutcome {
  unresolved: number[];
  notPosted: number[];
  finished: number;
  summary: BatchSummary;
}

export class SliceRunner {
  readonly records: OpRecords;
  private readonly policy: FailoverPolicy;
  private aborted = false;
  private running: Connection | undefined;
  private failovers = 0;
  /** agent clock: first post and last completion seen (tPost/tDone only grow within a run) */
  private firstPost = -1n;
  private lastDone = 0n;

  constructor(
    private readonly state: NodeState,
    private readonly ch: Channel,
    private readonly p: SliceParams,
  ) {
    this.records = new OpRecords(p.slice, p.ops.n);
    this.policy = policyFor(p.policy);
  }

  /** Stop now: outstanding ops are flushed and end as info; unposted ones are dropped. */
  abort(): void {
    this.aborted = true;
    this.running?.qp.abortBatch();
  }

  async run(): Promise<SliceResult> {
    if (this.ch.busy) throw new ChaosError('slice.busy', `a slice is already running toward ${this.ch.peer}`, ExitCode.badInput);
    const started = [...this.ch.conns.values()].filter((c) => c.state !== 'created');
    if (started.length === 0) throw new InputError('slice.noConnection', `${this.state.node}: no connected QP toward ${this.p.peer}`);
    const first = this.ch.currentConn() ?? started.find((c) => c.rail.rail === this.ch.current) ?? started[0]!;
    const bad = this.unusable(first);
    if (bad) throw new InputError('slice.badOp', `${this.state.node}: ${bad}`);
    this.ch.busy = true;
    try {
      let queue: Uint32Array = Uint32Array.from({ length: this.p.ops.n }, (_, i) => i);
      let last = first;
      if (first.state !== 'connected') {
        // the QP in use broke while the channel was idle (e.g. fenced by the peer's handshake)
        const next = await this.failover(first, [], [...queue]);
        queue = next ?? new Uint32Array(0);
      }
      while (queue.length > 0 && !this.aborted) {
        const conn = this.ch.currentConn();
        if (!conn) {
          this.failUnposted([...queue], ERR_QP, last);
          break;
        }
        last = conn;
        const r = await this.runOn(conn, queue);
        if (r.unresolved.length === 0 && r.notPosted.length === 0) break;
        if (this.aborted) {
          for (const i of r.unresolved) this.records.finish(i, 'info');
          // a re-post that never went out is still the op posted before: indeterminate; the
          // ops never posted at all were never invoked: nothing to record
          for (const i of r.notPosted) if (this.records.invoked[i]) this.records.finish(i, 'info');
          break;
        }
        conn.refreshState();
        if (conn.state === 'connected' && r.unresolved.length === 0) {
          // refused post on a healthy QP (e.g. ENOMEM): retry the rest unless nothing moved
          if (r.finished === 0) {
            this.failUnposted(r.notPosted, r.summary.firstError ?? ERR_QP, conn);
            break;
          }
          queue = Uint32Array.from(r.notPosted);
          continue;
        }
        if (conn.state === 'connected') {
          conn.qp.toError(); // keep "unresolved" and "QP unusable" the same thing
          conn.state = 'broken';
        }
        const next = await this.failover(conn, r.unresolved, r.notPosted);
        if (!next) break;
        queue = next;
      }
    } finally {
      if (this.records.counts.info > 0) this.ch.procsStale = true;
      this.ch.busy = false;
      this.running = undefined;
      this.emitRecords();
    }
    return this.result();
  }

  /** why `conn` cannot carry this slice, or undefined */
  private unusable(conn: Connection): string | undefined {
    return unusableFor(this.p.ops, this.p.depth, conn);
  }

  private build(conn: Connection, queue: Uint32Array): BatchOps {
    return batchFor(this.p.ops, conn, queue);
  }

  private async runOn(conn: Connection, queue: Uint32Array): Promise<RunOutcome> {
    const rec = this.records;
    const o = this.p.ops;
    const depth = Math.min(this.p.depth, conn.sendDepth);
    const procBase = this.ch.processBlock(depth, (n) => this.state.allocProcesses(n));
    const epoch = this.ch.epoch;
    const out: RunOutcome = { unresolved: [], notPosted: [], finished: 0, summary: undefined as unknown as BatchSummary };
    const errnoName = loadBinding().errnoName;
    const isSend = FCODE.send;
    const onChunk = (c: BatchChunk): void => {
      this.span(c);
      // the bytes of the chunk's ok reads that asked for them, in op order
      let at = 0;
      if (!c.bytes && this.fastChunk(c, queue, conn, procBase, epoch)) {
        out.finished += c.count;
        this.emitRecords();
        return;
      }
      for (let k = 0; k < c.count; k++) {
        const i = queue[c.start + k]!;
        const st = c.status[k]!;
        if (st === BATCH.notPosted) {
          out.notPosted.push(i);
          continue;
        }
        const a: Attempt = { rail: conn.rail.rail, qpn: conn.qp.qpn, psn: st === BATCH.postFailed ? PSN_UNKNOWN : c.psn[k]!, epoch };
        if (!rec.invoked[i]) rec.invoke(i, procBase + c.slot[k]!, c.tPost[k]!, a);
        if (st === 0) {
          const f = o.f[i]!;
          rec.attempt(i, c.tDone[k]!, a);
          const bytes = f === FCODE.read && o.flags[i]! & OPFLAG.data ? c.bytes?.subarray(at, (at += o.len[i]!)) : undefined;
          rec.finish(i, 'ok', f === FCODE.read || f === FCODE.fadd || f === FCODE.cas ? c.result[k]! : undefined, bytes);
          if (f === isSend) this.ch.sendsOk += 1n;
          out.finished++;
        } else if (st === BATCH.postFailed) {
          rec.attempt(i, c.tDone[k]!, a, errnoName(c.err[k]!));
          // refused by ibv_post_send: this posting never reached the wire (an earlier one may have)
          rec.finish(i, rec.attempts[i] ? 'info' : 'fail');
          out.finished++;
        } else {
          const name = st === BATCH.timedOut ? 'ETIMEDOUT' : st === BATCH.aborted ? 'ECANCELED' : wcStatusName(st);
          rec.attempt(i, c.tDone[k]!, a, name);
          out.unresolved.push(i);
        }
      }
      this.emitRecords();
    };
    this.running = conn;
    try {
      out.summary = await conn.qp.runBatch(
        { scratch: conn.scratch, slotSize: conn.slotSize, depth, rate: this.p.rate, opTimeoutMs: this.p.opTimeoutMs, chunkOps: this.p.chunkOps, progressMs: PROGRESS_MS, ...(this.p.spin !== undefined ? { spin: this.p.spin } : {}) },
        this.build(conn, queue),
        onChunk,
      );
    } finally {
      this.running = undefined;
    }
    return out;
  }

  private span(c: BatchChunk): void {
    for (let k = 0; k < c.count; k++) {
      if (c.status[k] === BATCH.notPosted) continue;
      if (this.firstPost < 0n || c.tPost[k]! < this.firstPost) this.firstPost = c.tPost[k]!;
      break;
    }
    for (let k = c.count - 1; k >= 0; k--) {
      if (c.status[k] === BATCH.notPosted) continue;
      if (c.tDone[k]! > this.lastDone) this.lastDone = c.tDone[k]!;
      break;
    }
  }

  /**
   * The hot path (first attempts, all ok, consecutive ops): bulk copies instead of per-op work,
   * which under TCG would otherwise cost more than the RDMA itself.
   */
  private fastChunk(c: BatchChunk, queue: Uint32Array, conn: Connection, procBase: number, epoch: number): boolean {
    const rec = this.records;
    const n = c.count;
    if (n === 0) return true;
    const s = queue[c.start]!;
    for (let k = 0; k < n; k++) {
      if (c.status[k] !== 0 || queue[c.start + k] !== s + k || rec.invoked[s + k]) return false;
    }
    const f = this.p.ops.f;
    const process = new Uint32Array(n);
    const hasResult = new Uint8Array(n);
    let sends = 0;
    for (let k = 0; k < n; k++) {
      process[k] = procBase + c.slot[k]!;
      const fk = f[s + k]!;
      if (fk === FCODE.read || fk === FCODE.fadd || fk === FCODE.cas) hasResult[k] = 1;
      else if (fk === FCODE.send) sends++;
    }
    rec.okRange(s, n, { rail: conn.rail.rail, qpn: conn.qp.qpn, epoch }, process, c.psn, c.tPost, c.tDone, c.result, hasResult);
    if (sends) this.ch.sendsOk += BigInt(sends);
    return true;
  }

  private pickBackup(from: Connection): Connection | undefined {
    for (const c of this.ch.conns.values()) {
      if (c === from || c.state !== 'connected') continue;
      if (c.refreshState() !== 'RTS') continue;
      if (this.unusable(c)) continue;
      return c;
    }
    return undefined;
  }

  private async failover(conn: Connection, unresolved: number[], notPosted: number[]): Promise<Uint32Array | undefined> {
    const rec = this.records;
    const o = this.p.ops;
    const uops: UnresolvedOp[] = unresolved.map((i) => ({ idx: i, f: FNAME[o.f[i]!]!, error: rec.errorOf(i) ?? 'UNKNOWN' }));
    const plan = this.policy.plan(uops);
    const reason = uops[0]?.error ?? ERR_QP;
    const backup = plan.failover ? this.pickBackup(conn) : undefined;
    const ev: FailoverEvent = {
      ev: 'failover', slice: this.p.slice, peer: this.p.peer, policy: this.p.policy, fromRail: conn.rail.rail, toRail: null,
      epoch: this.ch.epoch, timeNs: process.hrtime.bigint().toString(), reason, unresolved: unresolved.length, reposted: 0, skipped: 0, info: 0,
    };
    if (!backup) {
      for (const i of unresolved) rec.finish(i, 'info');
      this.failUnposted(notPosted, ERR_QP, conn);
      ev.info = unresolved.length;
      this.state.emit(ev);
      return undefined;
    }
    this.ch.current = backup.rail.rail;
    this.ch.epoch += 1;
    this.failovers += 1;
    ev.toRail = backup.rail.rail;
    ev.epoch = this.ch.epoch;
    for (const i of plan.info) rec.finish(i, 'info');
    ev.info = plan.info.length;
    const reposts = [...plan.repost];
    if (plan.resync.length || plan.fence) {
      const delivered = await syncHandshake(backup, conn.rail.rail, () => this.aborted, (b) => this.control(b, backup));
      if (delivered === undefined) {
        this.state.emit({ ev: 'log', level: 'warn', msg: `${this.p.slice}: the failover handshake with ${this.p.peer} failed; the old QP is not fenced`, timeNs: process.hrtime.bigint().toString() });
        for (const i of plan.resync) rec.finish(i, 'info');
        ev.info += plan.resync.length;
      } else {
        ev.fenced = true;
        const s = settleSends(plan.resync, delivered, this.ch.sendsOk);
        for (const i of s.delivered) {
          rec.dEpoch[i] = this.ch.epoch;
          rec.finish(i, 'ok'); // the receiver says it has it
          this.ch.sendsOk += 1n;
        }
        ev.skipped += s.delivered.length;
        reposts.push(...s.repost);
      }
    }
    if (plan.verify.length) {
      const v = await this.verify(backup, plan.verify);
      ev.skipped += v.applied;
      ev.info += v.info;
      reposts.push(...v.repost);
    }
    reposts.sort((a, b) => a - b);
    for (const i of reposts) rec.attempts[i] = rec.attempts[i]! + 1;
    ev.reposted = reposts.length;
    this.emitRecords();
    this.state.emit(ev);
    return Uint32Array.from([...reposts, ...notPosted]);
  }

  /** read-verify: READ each target on the backup; skip the replay where it looks applied */
  private async verify(backup: Connection, idxs: number[]): Promise<{ applied: number; info: number; repost: number[] }> {
    const o = this.p.ops;
    const rec = this.records;
    const res = await this.control(readBackFor(o, backup, idxs), backup);
    const out = { applied: 0, info: 0, repost: [] as number[] };
    idxs.forEach((i, k) => {
      if (res.status[k] !== 0) {
        rec.finish(i, 'info');
        out.info++;
        return;
      }
      const f = FNAME[o.f[i]!]!;
      if (this.policy.looksApplied?.({ f, value: o.value[i]!, expect: o.expect[i]! }, res.result[k]!)) {
        rec.attempt(i, res.tDone[k]!, { rail: backup.rail.rail, qpn: backup.qp.qpn, psn: PSN_UNKNOWN, epoch: this.ch.epoch });
        // the policy believes it: a CAS that "swapped" saw its expected value
        rec.finish(i, 'ok', f === 'cas' ? o.expect[i]! : undefined);
        out.applied++;
      } else {
        out.repost.push(i);
      }
    });
    return out;
  }

  /** a control batch, abortable with the slice */
  private async control(ops: BatchOps, conn: Connection): Promise<ControlResult> {
    this.running = conn;
    try {
      return await runControl(conn, ops, this.p.opTimeoutMs || 2000);
    } finally {
      this.running = undefined;
    }
  }

  /**
   * ops not handed to the device this time. One never posted before is invoked and failed at
   * once (one fresh process for all); a re-post that could not go out keeps its first invoke
   * and is indeterminate: the earlier posting may have executed (its ACK lost).
   */
  private failUnposted(idxs: number[], error: string, conn: Connection): void {
    if (idxs.length === 0) return;
    const rec = this.records;
    let p = -1;
    let t = process.hrtime.bigint();
    const a: Attempt = { rail: conn.rail.rail, qpn: conn.qp.qpn, psn: PSN_UNKNOWN, epoch: this.ch.epoch };
    for (const i of idxs) {
      if (rec.invoked[i]) {
        rec.attempt(i, t, a, error);
        rec.finish(i, 'info');
      } else {
        if (p < 0) p = this.state.allocProcesses(1);
        rec.invoke(i, p, t, a);
        rec.attempt(i, t + 1n, a, error);
        rec.finish(i, 'fail');
      }
      t += 2n;
    }
  }

  private emitRecords(): void {
    const ev = this.records.flush();
    if (ev) this.state.emit(ev);
  }

  private result(): SliceResult {
    const rec = this.records;
    const conn = this.ch.currentConn();
    return {
      slice: this.p.slice,
      n: rec.n,
      ...rec.counts,
      failovers: this.failovers,
      epoch: this.ch.epoch,
      rail: conn?.rail.rail ?? this.ch.current ?? -1,
      usable: conn !== undefined,
      firstPostNs: (this.firstPost < 0n ? 0n : this.firstPost).toString(),
      lastDoneNs: this.lastDone.toString(),
    };
  }
}
