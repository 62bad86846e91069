// Dead values: an ok op whose recorded output fixes the state it needs (a read's value, an
// FADD's or RDMA CAS's old value) is "pinned" there. Once the state has left that value for
// good, the op can never be linearized, so no order through that step can succeed: the search
// does not take it (a one-step lookahead at every node). Whether a value can come back is the
// model's rule (model.ts, Recurrence):
//  - monotone (a counter whose pending deltas are all >= 0): a value below the state is gone;
//  - writers (registers): a value comes back only through a pending op that writes it.
// With these, a step that would strand a pinned op is refuted on the spot, not after the rest
// of the history was tried every way: most nodes of a long single-key history keep one
// candidate, and the search commits to them (wgl.ts, forgetting what is behind).
import type { Model } from '../model';
import type { Entry } from './entries';
import { KeyIds } from '../key-ids';
import { argsort } from './order';

export interface Pins<S> {
  /** the entry is now linearized (or, for an indeterminate one, taken) */
  apply(i: number): void;
  unapply(i: number): void;
  /** would linearizing entry i, taking state s to ns, strand a pinned ok op for good? */
  kills(s: S, ns: S, i: number): boolean;
  /** is some pinned ok op already stranded in state s? */
  deadNow(s: S): boolean;
}

/** the pin tracker for a model that has one, for these entries (in the search's order) */
export function makePins<S, P>(model: Model<S, P>, entries: readonly Entry<P>[]): Pins<S> | undefined {
  const rec = model.recurrence;
  if (!model.pin || !rec) return undefined;
  if (rec.kind === 'monotone') return new MonotonePins(model, entries, rec.mayDecrease);
  const w = new WriterPins(model, entries, rec.produces);
  return w.stateDependent ? undefined : w;
}

class MonotonePins<S, P> implements Pins<S> {
  /** pinned ok entries by pin value; `first`: no entry before it is still pending */
  private readonly byPin: Int32Array;
  private readonly pos: Int32Array;
  private readonly val: Float64Array;
  private readonly mayDec: Uint8Array;
  private readonly done: Uint8Array;
  private first = 0;
  /** pending entries (ok, or indeterminate not taken) that may lower the state */
  private decreasers = 0;

  constructor(private readonly model: Model<S, P>, entries: readonly Entry<P>[], mayDecrease: (p: P) => boolean) {
    const n = entries.length;
    this.val = new Float64Array(n).fill(Infinity);
    this.mayDec = new Uint8Array(n);
    this.done = new Uint8Array(n);
    this.pos = new Int32Array(n).fill(-1);
    const pinned: number[] = [];
    entries.forEach((e, i) => {
      if (mayDecrease(e.p)) {
        this.mayDec[i] = 1;
        this.decreasers++;
      }
      const k = e.known ? model.pin!(e.p) : undefined;
      if (typeof k === 'number') {
        this.val[i] = k;
        pinned.push(i);
      }
    });
    const byVal = argsort(Float64Array.from(pinned, (i) => this.val[i]!));
    this.byPin = Int32Array.from(byVal, (k) => pinned[k]!);
    this.byPin.forEach((i, k) => (this.pos[i] = k));
  }

  apply(i: number): void {
    this.done[i] = 1;
    if (this.mayDec[i]) this.decreasers--;
  }

  unapply(i: number): void {
    this.done[i] = 0;
    if (this.mayDec[i]) this.decreasers++;
    const k = this.pos[i]!;
    if (k >= 0 && k < this.first) this.first = k;
  }

  /** the smallest pin among pending ok entries other than i */
  private minPin(i: number): number {
    const { byPin, done } = this;
    let k = this.first;
    while (k < byPin.length && done[byPin[k]!]) k++;
    this.first = k;
    if (k < byPin.length && byPin[k] === i) for (k++; k < byPin.length && done[byPin[k]!]; ) k++;
    return k < byPin.length ? this.val[byPin[k]!]! : Infinity;
  }

  kills(_s: S, ns: S, i: number): boolean {
    if (this.decreasers - this.mayDec[i]! > 0) return false;
    return this.minPin(i) < (this.model.key(ns) as number);
  }

  deadNow(s: S): boolean {
    return this.decreasers === 0 && this.minPin(-1) < (this.model.key(s) as number);
  }
}

/** no state looked up yet */
const UNSET = Symbol('unset');

class WriterPins<S, P> implements Pins<S> {
  private readonly ids = new KeyIds();
  private readonly pinId: Int32Array;
  private readonly prodId: Int32Array;
  /** per value: pending ok ops pinned there, pending ops that may write it */
  private readonly pinned: Int32Array;
  private readonly writers: Int32Array;
  /** the state kills() last looked up, its key and its value id (-1: no op is pinned there) */
  private lastS: unknown = UNSET;
  private lastKey: string | number = NaN;
  private lastV = -1;

  /** some op writes a value that depends on the state: the rule does not apply */
  readonly stateDependent: boolean = false;

  constructor(private readonly model: Model<S, P>, entries: readonly Entry<P>[], produces: (p: P) => string | number | null | undefined) {
    const n = entries.length;
    this.pinId = new Int32Array(n).fill(-1);
    this.prodId = new Int32Array(n).fill(-1);
    // only values some ok op is pinned at: leaving any other strands nobody (a 1M-op register
    // writes 500k values, most read by nobody); ids in typed tables, not a Map entry per value
    for (let i = 0; i < n; i++) {
      const e = entries[i]!;
      const k = e.known ? model.pin!(e.p) : undefined;
      if (k !== undefined) this.pinId[i] = this.ids.id(k);
    }
    for (let i = 0; i < n; i++) {
      const w = produces(entries[i]!.p);
      if (w === null) this.stateDependent = true;
      else if (w !== undefined) this.prodId[i] = this.ids.get(w);
    }
    this.pinned = new Int32Array(this.ids.size);
    this.writers = new Int32Array(this.ids.size);
    for (let i = 0; i < n; i++) {
      if (this.pinId[i]! >= 0) this.pinned[this.pinId[i]!]!++;
      if (this.prodId[i]! >= 0) this.writers[this.prodId[i]!]!++;
    }
  }

  apply(i: number): void {
    if (this.pinId[i]! >= 0) this.pinned[this.pinId[i]!]!--;
    if (this.prodId[i]! >= 0) this.writers[this.prodId[i]!]!--;
  }

  unapply(i: number): void {
    if (this.pinId[i]! >= 0) this.pinned[this.pinId[i]!]!++;
    if (this.prodId[i]! >= 0) this.writers[this.prodId[i]!]!++;
  }

  kills(s: S, ns: S, i: number): boolean {
    // a node asks for each of its candidates from one state: look its value up once
    if (s !== this.lastS) {
      this.lastS = s;
      this.lastKey = this.model.key(s);
      this.lastV = this.ids.get(this.lastKey);
    }
    if (this.model.key(ns) === this.lastKey) return false;
    const v = this.lastV;
    if (v < 0) return false;
    const pinned = this.pinned[v]! - (this.pinId[i] === v ? 1 : 0);
    return pinned > 0 && this.writers[v]! - (this.prodId[i] === v ? 1 : 0) === 0;
  }

  deadNow(): boolean {
    return false; // every departure from a value is checked when it is taken
  }
}
