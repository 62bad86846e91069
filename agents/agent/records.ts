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
  private readonly errors: string[] = [];
  private pending: number[] = [];

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

  finish(i: number, outcome: 'ok' | 'info' | 'fail', result?: bigint): void {
    if (this.outcome[i]) return;
    this.outcome[i] = OUTCOME[outcome];
    if (outcome === 'ok') this.err[i] = 0;
    if (result !== undefined) {
      this.result[i] = result;
      this.hasResult[i] = 1;
    }
    this.counts[outcome]++;
    this.pending.push(i);
  }

  setError(i: number, name: string): void {
    this.err[i] = this.errCode(name);
  }

  /** the `ops` event for everything finished since the last flush, or undefined */
  flush(): OpsEvent | undefined {
    const idx = Uint32Array.from(this.pending);
    const n = idx.length;
    if (n === 0) return undefined;
    this.pending = [];
    const pick8 = (a: Uint8Array) => { const o = new Uint8Array(n); for (let k = 0; k < n; k++) o[k] = a[idx[k]!]!; return encodeColumn(o); };
    const pick16 = (a: Uint16Array) => { const o = new Uint16Array(n); for (let k = 0; k < n; k++) o[k] = a[idx[k]!]!; return encodeColumn(o); };
    const pick32 = (a: Uint32Array) => { const o = new Uint32Array(n); for (let k = 0; k < n; k++) o[k] = a[idx[k]!]!; return encodeColumn(o); };
    const pick64 = (a: BigUint64Array) => { const o = new BigUint64Array(n); for (let k = 0; k < n; k++) o[k] = a[idx[k]!]!; return encodeColumn64(o); };
    return {
      ev: 'ops',
      slice: this.slice,
      n,
      errors: [...this.errors],
      cols: {
        idx: encodeColumn(idx),
        type: pick8(this.outcome),
        process: pick32(this.process),
        tInv: pick64(this.tInv),
        tDone: pick64(this.tDone),
        result: pick64(this.result),
        hasResult: pick8(this.hasResult),
        err: pick16(this.err),
        iRail: pick8(this.iRail),
        iQpn: pick32(this.iQpn),
        iPsn: pick32(this.iPsn),
        iEpoch: pick16(this.iEpoch),
        dRail: pick8(this.dRail),
        dQpn: pick32(this.dQpn),
        dPsn: pick32(this.dPsn),
        dEpoch: pick16(this.dEpoch),
        repost: pick8(this.repost),
      },
    };
  }
}
