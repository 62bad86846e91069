// Final op records of a slice, kept as columns (one typed array per field, indexed by op) and
// streamed as `ops` events each time some ops' fate is decided. Each op is reported once.
import { OUTCOME, PSN_UNKNOWN, type OpsEvent } from '../protocol';
import { encodeColumn, encodeColumn64 } from '../wire';

export interface Attempt {
  rail: number;
  qpn: number;
  psn: number;
  epoch: number;
}

export class OpRecords {
  readonly outcome: Uint8Array;
  readonly invoked: Uint8Array;
  readonly attempts: Uint8Array;
  readonly process: Uint32Array;
  readonly tInv: BigUint64Array;
  readonly tDone: BigUint64Array;
  readonly result: BigUint64Array;
  readonly hasResult: Uint8Array;
  readonly err: Uint16Array;
  readonly iRail: Uint8Array;
  readonly iQpn: Uint32Array;
  readonly iPsn: Uint32Array;
  readonly iEpoch: Uint16Array;
  readonly dRail: Uint8Array;
  readonly dQpn: Uint32Array;
  readonly dPsn: Uint32Array;
  readonly dEpoch: Uint16Array;
  readonly repost: Uint8Array;
  readonly counts = { ok: 0, info: 0, fail: 0 };
  /** reads that asked for their bytes (hasResult 2): the bytes, by op index */
  private readonly bytes = new Map<number, Uint8Array>();
  private readonly errors: string[] = [];
  /** finished since the last flush, as [start, end) ranges of op indices */
  private pending: Array<[number, number]> = [];

  constructor(
    readonly slice: string,
    readonly n: number,
  ) {
    this.outcome = new Uint8Array(n);
    this.invoked = new Uint8Array(n);
    this.attempts = new Uint8Array(n);
    this.process = new Uint32Array(n);
    this.tInv = new BigUint64Array(n);
    this.tDone = new BigUint64Array(n);
    this.result = new BigUint64Array(n);
    this.hasResult = new Uint8Array(n);
    this.err = new Uint16Array(n);
    this.iRail = new Uint8Array(n);
    this.iQpn = new Uint32Array(n);
    this.iPsn = new Uint32Array(n).fill(PSN_UNKNOWN);
    this.iEpoch = new Uint16Array(n);
    this.dRail = new Uint8Array(n);
    this.dQpn = new Uint32Array(n);
    this.dPsn = new Uint32Array(n).fill(PSN_UNKNOWN);
    this.dEpoch = new Uint16Array(n);
    this.repost = new Uint8Array(n);
  }

  private errCode(name: string): number {
    let k = this.errors.indexOf(name);
    if (k < 0) k = this.errors.push(name) - 1;
    return k + 1;
  }

  errorOf(i: number): string | undefined {
    const e = this.err[i]!;
    return e === 0 ? undefined : this.errors[e - 1];
  }

  invoke(i: number, process: number, t: bigint, a: Attempt): void {
    this.invoked[i] = 1;
    this.process[i] = process;
    this.tInv[i] = t;
    this.iRail[i] = a.rail;
    this.iQpn[i] = a.qpn;
    this.iPsn[i] = a.psn;
    this.iEpoch[i] = a.epoch;
  }

  /** the latest attempt's outcome details, before the op's fate is known */
  attempt(i: number, t: bigint, a: Attempt, error?: string): void {
    this.tDone[i] = t;
    this.dRail[i] = a.rail;
    this.dQpn[i] = a.qpn;
    this.dPsn[i] = a.psn;
    this.dEpoch[i] = a.epoch;
    this.repost[i] = this.attempts[i]! > 0 ? 1 : 0;
    if (error !== undefined) this.err[i] = this.errCode(error);
  }

  finish(i: number, outcome: 'ok' | 'info' | 'fail', result?: bigint, bytes?: Uint8Array): void {
    if (this.outcome[i]) return;
    this.outcome[i] = OUTCOME[outcome];
    if (outcome === 'ok') this.err[i] = 0;
    if (result !== undefined) {
      this.result[i] = result;
      this.hasResult[i] = 1;
    }
    if (bytes !== undefined) {
      // a copy: the chunk's buffer is the binding's
      this.bytes.set(i, Uint8Array.from(bytes));
      this.hasResult[i] = 2;
    }
    this.counts[outcome]++;
    this.pushPending(i, i + 1);
  }

  private pushPending(s: number, e: number): void {
    const last = this.pending[this.pending.length - 1];
    if (last && last[1] === s) last[1] = e;
    else this.pending.push([s, e]);
  }

  /**
   * The common case in one go: ops [s, s+n) completed ok on their first attempt. Bulk typed-array
   * copies, no per-op BigInt (each read of a BigUint64Array element allocates one).
   */
  okRange(s: number, n: number, a: { rail: number; qpn: number; epoch: number }, process: Uint32Array, psn: Uint32Array, tPost: BigUint64Array, tDone: BigUint64Array, result: BigUint64Array, hasResult: Uint8Array): void {
    const e = s + n;
    this.invoked.fill(1, s, e);
    this.process.set(process, s);
    this.tInv.set(tPost, s);
    this.tDone.set(tDone, s);
    this.result.set(result, s);
    this.hasResult.set(hasResult, s);
    this.iRail.fill(a.rail, s, e);
    this.dRail.fill(a.rail, s, e);
    this.iQpn.fill(a.qpn, s, e);
    this.dQpn.fill(a.qpn, s, e);
    this.iPsn.set(psn, s);
    this.dPsn.set(psn, s);
    this.iEpoch.fill(a.epoch, s, e);
    this.dEpoch.fill(a.epoch, s, e);
    this.outcome.fill(OUTCOME.ok, s, e);
    this.counts.ok += n;
    this.pushPending(s, e);
  }

  setError(i: number, name: string): void {
    this.err[i] = this.errCode(name);
  }

  /** the `ops` event for everything finished since the last flush, or undefined */
  flush(): OpsEvent | undefined {
    if (this.pending.length === 0) return undefined;
    const ranges = this.pending;
    this.pending = [];
    let n = 0;
    for (const [s, e] of ranges) n += e - s;
    // one range (the usual case): columns are views, nothing is copied per op
    const one = ranges.length === 1 ? ranges[0]! : undefined;
    let idx: Uint32Array | undefined;
    if (!one) {
      idx = new Uint32Array(n);
      let k = 0;
      for (const [s, e] of ranges) for (let i = s; i < e; i++) idx[k++] = i;
    }
    type Arr = Uint8Array | Uint16Array | Uint32Array;
    const pick = <T extends Arr>(a: T): T => {
      if (one) return a.subarray(one[0], one[1]) as T;
      const o = new (a.constructor as new (n: number) => T)(n);
      for (let k = 0; k < n; k++) o[k] = a[idx![k]!]!;
      return o;
    };
    const pick64 = (a: BigUint64Array): BigUint64Array => {
      if (one) return a.subarray(one[0], one[1]);
      const o = new BigUint64Array(n);
      const src = new Uint32Array(a.buffer);
      const dst = new Uint32Array(o.buffer);
      for (let k = 0; k < n; k++) {
        dst[2 * k] = src[2 * idx![k]!]!;
        dst[2 * k + 1] = src[2 * idx![k]! + 1]!;
      }
      return o;
    };
    const read: Uint8Array[] = [];
    if (this.bytes.size) {
      for (const [s, e] of ranges) {
        for (let i = s; i < e; i++) {
          const b = this.bytes.get(i);
          if (b) read.push(b);
          this.bytes.delete(i);
        }
      }
    }
    return {
      ev: 'ops',
      slice: this.slice,
      n,
      errors: [...this.errors],
      ...(read.length ? { bytes: Buffer.concat(read).toString('base64') } : {}),
      cols: {
        idx: one ? { r: one[0] } : encodeColumn(idx!),
        type: encodeColumn(pick(this.outcome)),
        process: encodeColumn(pick(this.process)),
        tInv: encodeColumn64(pick64(this.tInv)),
        tDone: encodeColumn64(pick64(this.tDone)),
        result: encodeColumn64(pick64(this.result)),
        hasResult: encodeColumn(pick(this.hasResult)),
        err: encodeColumn(pick(this.err)),
        iRail: encodeColumn(pick(this.iRail)),
        iQpn: encodeColumn(pick(this.iQpn)),
        iPsn: encodeColumn(pick(this.iPsn)),
        iEpoch: encodeColumn(pick(this.iEpoch)),
        dRail: encodeColumn(pick(this.dRail)),
        dQpn: encodeColumn(pick(this.dQpn)),
        dPsn: encodeColumn(pick(this.dPsn)),
        dEpoch: encodeColumn(pick(this.dEpoch)),
        repost: encodeColumn(pick(this.repost)),
      },
    };
  }
}
