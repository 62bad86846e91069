// Wing & Gong backtracking with Lowe's memoisation of (linearized set, state), as Porcupine
// does it, with reductions that keep the answer exact:
//  - candidates are tried in order of their return: what must be linearized soonest goes
//    first, and ops pending for a long time are not linearized early on a guess;
//  - a process's ops are taken in its program order (an ok op before the process's next call);
//  - a legal read-only op is taken at once and alone (that child dominates its siblings);
//  - a step that strands an op pinned to a state left for good is never taken (pins.ts);
//  - indeterminate ops are not in the event list: equal ones of one process (same f, key,
//    argument) form a class, taken in call order; one eligible op per input is tried at a
//    node, and the memo compares counts taken per input by dominance (fewer used leaves more
//    available: with one ok set, the same ops are eligible, and those of one input are alike);
//  - the memo key covers the live window only (memo.ts), and a node below which every level
//    has no alternative left is committed: the stack before it is folded into the answer, the
//    memo forgets what cannot be reached again, so a long history the search places in order
//    costs memory for its window, not its length;
//  - a node where some pending ok read can no longer become legal fails at once (the model's
//    conservative `unreachable`, for models without pins); with footprints (keys), after each
//    write every pending read of the written key is checked, and only those.
// Resumable (`run(steps)`): a caller interleaves partitions, keeps a budget, reports progress.
import type { Model } from '../model';
import { InfoClasses, Vectors } from './classes';
import { deadRead, deadReadOf, type ListView } from './dead-reads';
import type { Entry, WglOutcome } from './entries';
import { buildList, HEAD, lift, NIL, unlift } from './list';
import { grow, Memo, splitmix32 } from './memo';
import { argsort } from './order';
import { makePins, type Pins } from './pins';

export type { WglOutcome };

/** memo records between two attempts to commit and forget */
const FORGET_EVERY = 1 << 16;
const MEMO_CAP = 1 << 19; // records past which the older half is shed (memo.ts): ~30 MB

export class WglSearch<S, P> implements ListView<P> {
  readonly n: number;
  /** entries in call order; `orig` maps back to the caller's indices */
  readonly e: Entry<P>[];
  private readonly orig: Int32Array;
  // the event list of ok ops: op i has call node 2i+1 and return node 2i+2
  readonly next: Int32Array;
  private readonly prev: Int32Array;
  readonly known: Uint8Array;
  readonly readOnly: Uint8Array;
  private readonly ret: Float64Array;
  private readonly call: Float64Array;
  /** per entry: the previous ok entry of its process, or -1 */
  private readonly pred: Int32Array;
  // the linearized ok set: bits, Zobrist hash, lowest ok entry not in it, one past the highest in it
  private readonly bits: Uint32Array;
  private readonly zOp: Int32Array;
  private hash = 0;
  private low = 0;
  private hi = 0;
  private remainingOk = 0;
  private okTotal = 0;
  /** indeterminate classes: members in call order, counts taken, the heads left */
  private readonly ic: InfoClasses;
  private readonly vectors: Vectors;
  private vec = 0;
  private readonly memo: Memo;
  private readonly pins: Pins<S> | undefined;
  readonly fp: Int32Array | undefined;
  // the DFS stack, a slot per node of the path: slot 0 is the root, or the last committed node
  private depth = 0;
  /** ops of the committed path before slot 0 */
  private base = 0;
  private committed = new Int32Array(1024);
  private stOp = new Int32Array(1024);
  private stFrom = new Int32Array(1024);
  private stIdx = new Int32Array(1024);
  private stEnd = new Int32Array(1024);
  private stHash = new Int32Array(1024);
  private stLow = new Int32Array(1024);
  private stHi = new Int32Array(1024);
  private stVec = new Int32Array(1024);
  private stFlags = new Uint8Array(1024); // 1: cands is a forced read, 2: reached through a forced read
  private readonly stState: (S | undefined)[] = [];
  private cand = new Int32Array(1024);
  private readonly candNs: (S | undefined)[] = [];
  state: S;
  private nextForget = FORGET_EVERY;
  // the deepest point reached, for explanations; `agree`: how much of it the path shares
  private longestLen = 0;
  private longest = new Int32Array(1024);
  private agree = 0;
  private longestState: S;
  private blocked = -1;
  private result: WglOutcome<S> | undefined;
  steps = 0; // attempted linearizations so far

  constructor(readonly model: Model<S, P>, entries: readonly Entry<P>[]) {
    const n = (this.n = entries.length);
    // plain loops: Array.from with a callback per field cost seconds at 1M entries
    const calls = new Float64Array(n);
    for (let i = 0; i < n; i++) calls[i] = entries[i]!.op.call;
    this.orig = argsort(calls);
    const e = (this.e = new Array<Entry<P>>(n));
    const at = new Int32Array(n);
    for (let k = 0; k < n; k++) at[this.orig[k]!] = k;
    this.known = new Uint8Array(n);
    this.readOnly = new Uint8Array(n);
    this.call = new Float64Array(n);
    this.ret = new Float64Array(n);
    this.pred = new Int32Array(n);
    // program order: a process's ok op took effect before it returned, so before its next call,
    // whatever the clocks say (widened intervals overlap: 100+ at a time in real CAS runs)
    const lastOk = new Map<number, number>();
    // in the caller's order, each op read once (gathering them in call order missed the cache)
    for (let i = 0; i < n; i++) {
      const x = entries[i]!;
      const k = at[i]!;
      e[k] = x;
      this.known[k] = x.known ? 1 : 0;
      this.readOnly[k] = model.readOnly(x.p) ? 1 : 0;
      this.call[k] = calls[i]!;
      this.ret[k] = x.known ? x.op.ret : Infinity;
      this.pred[k] = lastOk.get(x.op.process) ?? -1;
      if (x.known) lastOk.set(x.op.process, k);
      this.okTotal += this.known[k]!;
    }
    this.remainingOk = this.okTotal;
    ({ next: this.next, prev: this.prev } = buildList(this.known, this.call, this.ret));
    this.ic = new InfoClasses(e, this.call);
    // the memo counts info ops taken per input, not per class (see the header)
    this.vectors = new Vectors(this.ic.sigs);
    this.memo = new Memo((a, b) => this.vectors.dominates(a, b));
    this.bits = new Uint32Array((n + 31) >>> 5);
    const rng = splitmix32(0x2545f491);
    this.zOp = new Int32Array(n);
    for (let i = 0; i < n; i++) this.zOp[i] = rng(); // a plain loop: map() calls back per op
    this.pins = makePins(model, e);
    this.fp = model.footprint && model.unreachable ? Int32Array.from(e, (x) => model.footprint!(x.p)) : undefined;
    this.advanceLow();
    this.state = model.init();
    this.longestState = this.state;
    this.openNode(-1, 0);
  }

  get done(): WglOutcome<S> | undefined {
    return this.result;
  }

  /** ok ops linearized on the current path, of how many */
  get progress(): { placed: number; total: number } {
    return { placed: this.okTotal - this.remainingOk, total: this.okTotal };
  }

  /** advance by about `maxSteps` steps; returns the outcome once there is one */
  run(maxSteps: number): WglOutcome<S> | undefined {
    if (this.result) return this.result;
    const stop = this.steps + maxSteps;
    const { model } = this;
    while (this.steps < stop) {
      if (this.remainingOk === 0) return (this.result = { verdict: 'valid', linearization: this.path(this.base + this.depth) });
      const d = this.depth;
      if (this.stIdx[d]! < this.stEnd[d]!) {
        const k = this.stIdx[d]!++;
        const i = this.cand[k]!;
        const ns = this.candNs[k] as S;
        this.candNs[k] = undefined;
        this.steps++;
        const h0 = this.hash;
        const low0 = this.low;
        const hi0 = this.hi;
        const vec0 = this.vec;
        this.apply(i);
        // a forced read is not recorded (half the steps of a register history): the memo only
        // prunes, and coming back through one again meets the records of the steps after it
        if ((this.stFlags[d]! & 1) === 0 && this.memo.seen(this.hash, this.bits, this.low, this.hi, model.key(ns), this.vec)) {
          this.unapply(i, h0, low0, hi0, vec0);
          continue;
        }
        const s = d + 1;
        if (s + 1 >= this.stOp.length) this.growStack();
        this.stState[s] = this.state;
        this.stHash[s] = h0;
        this.stLow[s] = low0;
        this.stHi[s] = hi0;
        this.stVec[s] = vec0;
        this.state = ns;
        this.openNode(i, this.stFlags[d]! & 1 ? 2 : 0);
        if (this.memo.size >= this.nextForget) this.forget();
        continue;
      }
      // every candidate failed: this node fails, and so does a parent whose forced read it was
      let flags: number;
      do {
        if (this.depth === 0) return (this.result = this.invalid());
        flags = this.stFlags[this.depth]!;
        this.undoTop();
      } while (flags & 2);
    }
    return undefined;
  }

  private linearized(i: number): boolean {
    return (this.bits[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  private apply(i: number): void {
    if (this.known[i]) {
      this.bits[i >>> 5]! |= 1 << (i & 31);
      this.hash ^= this.zOp[i]!;
      this.remainingOk--;
      if (i === this.low) this.advanceLow();
      if (i >= this.hi) this.hi = i + 1;
      lift(this.next, this.prev, i);
    } else {
      const c = this.ic.cls[i]!;
      this.ic.take(c);
      this.vec = this.vectors.step(this.vec, this.ic.sigOf[c]!, 1);
    }
    this.pins?.apply(i);
  }

  private unapply(i: number, hash: number, low: number, hi: number, vec: number): void {
    if (this.known[i]) {
      this.bits[i >>> 5]! &= ~(1 << (i & 31));
      this.remainingOk++;
      unlift(this.next, this.prev, i);
    } else {
      this.ic.untake(this.ic.cls[i]!);
    }
    this.hash = hash;
    this.low = low;
    this.hi = hi;
    this.vec = vec;
    this.pins?.unapply(i);
  }

  private advanceLow(): void {
    let l = this.low;
    while (l < this.n && (!this.known[l] || this.linearized(l))) l++;
    this.low = l;
  }

  private undoTop(): void {
    const d = this.depth--;
    const op = this.stOp[d]!;
    this.state = this.stState[d]!;
    this.stState[d] = undefined;
    this.unapply(op, this.stHash[d]!, this.stLow[d]!, this.stHi[d]!, this.stVec[d]!);
    const at = this.base + d - 1;
    if (this.agree > at) this.agree = at;
  }

  /** push a node for the current point (reached by `op`), with its candidates in order */
  private openNode(op: number, flags: number): void {
    const d = op < 0 ? 0 : ++this.depth;
    this.stOp[d] = op;
    // a parent with nothing left to try never reads its candidates again: reuse their place
    const from = d === 0 ? 0 : this.stIdx[d - 1]! >= this.stEnd[d - 1]! ? this.stFrom[d - 1]! : this.stEnd[d - 1]!;
    const { next, readOnly, ret, call, model, e, pred, state, pins } = this;
    let end = from;
    let firstReturn = -1;
    let forced = -1;
    let forcedNs: S | undefined;
    for (let node = next[HEAD]!; node !== NIL; node = next[node]!) {
      if ((node & 1) === 0) {
        firstReturn = (node - 2) >> 1;
        break;
      }
      // a legal read is taken alone: past it only the first return is still wanted
      if (forced >= 0) continue;
      const i = (node - 1) >> 1;
      const b = pred[i]!;
      if (b >= 0 && !this.linearized(b)) continue; // its process's last ok op first
      const ns = model.step(state, e[i]!.p);
      if (ns === undefined) continue;
      if (readOnly[i]) {
        // an illegal read stays illegal until the state changes; a legal one is taken alone
        if (forced < 0) {
          forced = i;
          forcedNs = ns;
        }
        continue;
      }
      if (pins?.kills(state, ns, i)) continue;
      if (end >= this.cand.length) this.cand = grow(this.cand, end + 1);
      // insertion by (return, call): soonest return first
      let j = end++;
      while (j > from && (ret[this.cand[j - 1]!]! > ret[i]! || (ret[this.cand[j - 1]!]! === ret[i]! && call[this.cand[j - 1]!]! > call[i]!))) {
        this.cand[j] = this.cand[j - 1]!;
        this.candNs[j] = this.candNs[j - 1];
        j--;
      }
      this.cand[j] = i;
      this.candNs[j] = ns;
    }
    // indeterminate ops last, by call; one of each class, only those called in time
    const limit = firstReturn >= 0 ? ret[firstReturn]! : Infinity;
    if (forced < 0) {
      // two eligible ops with one input are interchangeable from here on (both called, both
      // free of program order): the children differ only by which one is left, so try one
      const { ic } = this;
      for (const s of ic.liveSigs) {
        const list = ic.bySig[s]!;
        if (call[ic.head(list[0]!)]! > limit) break;
        let h = -1;
        for (const c of list) {
          const m = ic.head(c);
          if (call[m]! > limit) break;
          const b = pred[m]!;
          if (b < 0 || this.linearized(b)) {
            h = m;
            break;
          }
        }
        if (h < 0) continue;
        const ns = model.step(state, e[h]!.p);
        if (ns === undefined || pins?.kills(state, ns, h)) continue;
        if (end >= this.cand.length) this.cand = grow(this.cand, end + 1);
        this.cand[end] = h;
        this.candNs[end++] = ns;
      }
    }
    if (this.fp !== undefined && op >= 0 && !readOnly[op] && deadReadOf(this, this.fp[op]!)) {
      end = from; // a pending read can never become legal from here: this node fails
    } else if (pins?.deadNow(state)) {
      end = from;
    } else if (forced >= 0) {
      if (from >= this.cand.length) this.cand = grow(this.cand, from + 1);
      this.cand[from] = forced;
      this.candNs[from] = forcedNs;
      end = from + 1;
      flags |= 1;
    } else if (this.fp === undefined && pins === undefined && model.unreachable && deadRead(this)) {
      end = from;
    }
    this.stFrom[d] = from;
    this.stIdx[d] = from;
    this.stEnd[d] = end;
    this.stFlags[d] = flags;
    this.trackLongest(d, op, firstReturn);
  }

  /** keeps the deepest path reached, copying only what the path does not share with it */
  private trackLongest(d: number, op: number, firstReturn: number): void {
    const len = this.base + d;
    if (d > 0 && this.agree === len - 1 && len <= this.longestLen && this.longest[len - 1] === op) this.agree = len;
    if (len <= this.longestLen && !(len === 0 && this.longestLen === 0)) return;
    if (len > this.longest.length) this.longest = grow(this.longest, len);
    for (let k = this.agree; k < len; k++) this.longest[k] = this.opAt(k);
    this.agree = this.longestLen = len;
    this.longestState = this.state;
    this.blocked = firstReturn;
  }

  /** the op at position k of the current path */
  private opAt(k: number): number {
    return k < this.base ? this.committed[k]! : this.stOp[k - this.base + 1]!;
  }

  private path(len: number): number[] {
    const out: number[] = new Array<number>(len);
    for (let k = 0; k < len; k++) out[k] = this.orig[this.opAt(k)]!;
    return out;
  }

  private invalid(): WglOutcome<S> {
    const longest = Array.from(this.longest.subarray(0, this.longestLen), (i) => this.orig[i]!);
    const b = this.blocked >= 0 ? this.blocked : this.known.indexOf(1);
    return { verdict: 'invalid', longest, state: this.longestState, blocked: this.orig[b]! };
  }

  /**
   * Commits the path down to the deepest node above which no level has an alternative left:
   * any node the search can still reach holds that node's linearized set, so the stack above
   * it is folded into `committed` and memo records with a lower `low` are forgotten.
   */
  private forget(): void {
    let c = 0;
    while (c < this.depth && this.stIdx[c]! >= this.stEnd[c]!) c++;
    if (c > 0) {
      const low = c === this.depth ? this.low : this.stLow[c + 1]!;
      if (this.base + c > this.committed.length) this.committed = grow(this.committed, this.base + c);
      this.committed.set(this.stOp.subarray(1, c + 1), this.base);
      for (const a of [this.stOp, this.stFrom, this.stIdx, this.stEnd, this.stHash, this.stLow, this.stHi, this.stVec, this.stFlags]) a.copyWithin(0, c, this.depth + 1);
      this.stState.copyWithin(0, c, this.depth + 1);
      this.stState.length = this.depth - c + 1;
      this.base += c;
      this.depth -= c;
      this.memo.forget(low);
    }
    if (this.memo.size > MEMO_CAP) this.memo.shed();
    this.nextForget = this.memo.size + Math.max(FORGET_EVERY, this.memo.size);
  }

  private growStack(): void {
    const g = <T extends Int32Array>(a: T): T => grow(a, a.length);
    [this.stOp, this.stFrom, this.stIdx, this.stEnd, this.stHash, this.stLow, this.stHi, this.stVec] = [this.stOp, this.stFrom, this.stIdx, this.stEnd, this.stHash, this.stLow, this.stHi, this.stVec].map(g);
    this.stFlags = grow(this.stFlags, this.stFlags.length);
  }

  /** the model input of each indeterminate class with a member left (pending for dead reads) */
  pendingInfo(f?: number): P[] {
    return this.ic.heads().filter((h) => f === undefined || this.fp![h] === f).map((h) => this.e[h]!.p);
  }
}
