// Wing & Gong backtracking with Lowe's memoisation of (linearized set, state), as Porcupine
// does it, with reductions that keep the answer exact:
//  - candidates are tried in order of their return: what must be linearized soonest goes
//    first, and ops pending for a long time are not linearized early on a guess;
//  - a process's ops are taken in its program order (an ok op before the process's next call);
//  - a legal read-only op is taken at once and alone: that child dominates its siblings, so
//    when it fails its parent fails too;
//  - indeterminate ops have no return entry: they may be linearized after their call, or never;
//  - equal indeterminate ops (same f, key, argument) form a class; members are taken in call
//    order, only one is tried at a node, and the memo compares class counts by dominance
//    (fewer used leaves more available);
//  - the memo key is a Zobrist hash of the ok set, updated in O(1) per step;
//  - a node where some pending ok read can no longer become legal fails at once (the model's
//    conservative `unreachable`); with footprints (keys), after each write every pending read
//    of the written key is checked, however far its return, and only those.
// All bookkeeping lives in typed arrays: a search allocates almost nothing per step.
// The search is resumable (`run(steps)`) so a caller can interleave partitions on one thread
// and stop at the first violation, as Porcupine's parallel check does.
import type { Model } from '../model';
import type { Entry } from './entries';

export type WglOutcome<S> =
  | { verdict: 'valid'; linearization: number[] }
  | {
      verdict: 'invalid';
      /** entry indices of the longest linearizable prefix found, in linearization order */
      longest: number[];
      /** the state after that prefix */
      state: S;
      /** the ok entry that could not be linearized after that prefix */
      blocked: number;
    };

const HEAD = 0;
const NIL = -1;
/** list entries looked at for dead reads at each node */
const DEAD_READ_WINDOW = 128;

export class WglSearch<S, P> {
  private readonly n: number;
  // the event list: node 0 is the head; op i has call node 2i+1 and return node 2i+2
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly known: Uint8Array;
  private readonly readOnly: Uint8Array;
  private readonly cls: Int32Array;
  private readonly ret: Float64Array;
  private readonly call: Float64Array;
  // the linearized set
  private readonly bits: Uint32Array;
  private readonly counts: Uint16Array;
  private readonly zOp: Int32Array;
  private hash = 0;
  private remainingOk = 0;
  // the memo: open addressing over record chains
  private table: Int32Array;
  private recNext: Int32Array;
  private recBits: Uint32Array;
  private recCounts: Uint16Array;
  private readonly recKeys: (string | number)[] = [];
  // the DFS stack: per depth the op taken, the state/hash before it, a slice of candStack
  private depth = 0;
  private stOp: Int32Array;
  private stHash: Int32Array;
  private stFrom: Int32Array;
  private stIdx: Int32Array;
  private stEnd: Int32Array;
  private stFlags: Uint8Array; // 1: cands is a forced read, 2: reached through a forced read
  private readonly stState: S[] = [];
  private candStack: Int32Array;
  private readonly classMark: Uint32Array;
  /** per entry: the previous ok entry of its process, or -1 */
  private readonly pred: Int32Array;
  /** the model's footprint of each entry, when it has them */
  private readonly fp: Int32Array | undefined;
  private generation = 0;
  private state: S;
  // the deepest point reached, for explanations
  private longestLen = -1;
  private longest: number[] = [];
  private longestState: S;
  private blocked = -1;
  private result: WglOutcome<S> | undefined;
  /** attempted linearizations so far */
  steps = 0;

  constructor(private readonly model: Model<S, P>, private readonly entries: readonly Entry<P>[]) {
    const n = (this.n = entries.length);
    this.known = new Uint8Array(n);
    this.readOnly = new Uint8Array(n);
    this.cls = new Int32Array(n);
    this.ret = new Float64Array(n);
    this.call = new Float64Array(n);
    const order: number[] = [];
    for (let i = 0; i < n; i++) {
      const e = entries[i]!;
      this.known[i] = e.known ? 1 : 0;
      this.readOnly[i] = e.readOnly ? 1 : 0;
      this.cls[i] = e.cls;
      this.ret[i] = e.op.ret;
      this.call[i] = e.op.call;
      order.push(2 * i + 1);
      if (e.known) {
        order.push(2 * i + 2);
        this.remainingOk++;
      }
    }
    const rank = (node: number): number => ((node & 1) === 1 ? this.call[(node - 1) >> 1]! : this.ret[(node - 2) >> 1]!);
    order.sort((a, b) => rank(a) - rank(b));
    this.next = new Int32Array(2 * n + 1).fill(NIL);
    this.prev = new Int32Array(2 * n + 1).fill(NIL);
    let last = HEAD;
    for (const node of order) {
      this.next[last] = node;
      this.prev[node] = last;
      last = node;
    }
    this.bits = new Uint32Array((n + 31) >>> 5);
    const nClasses = entries.reduce((m, e) => Math.max(m, e.cls + 1), 0);
    this.counts = new Uint16Array(nClasses);
    this.classMark = new Uint32Array(nClasses);
    const rng = splitmix32(0x2545f491);
    this.zOp = new Int32Array(n).map(() => rng());
    this.table = new Int32Array(1 << 12).fill(-1);
    this.recNext = new Int32Array(1024);
    this.recBits = new Uint32Array(this.bits.length * 1024);
    this.recCounts = new Uint16Array(Math.max(1, nClasses) * 1024);
    this.stOp = new Int32Array(n + 2);
    this.stHash = new Int32Array(n + 2);
    this.stFrom = new Int32Array(n + 2);
    this.stIdx = new Int32Array(n + 2);
    this.stEnd = new Int32Array(n + 2);
    this.stFlags = new Uint8Array(n + 2);
    this.candStack = new Int32Array(Math.max(64, 4 * n));
    this.fp = model.footprint && model.unreachable ? Int32Array.from(entries, (e) => model.footprint!(e.p)) : undefined;
    // program order: a process's ok op took effect before it returned, which was before the
    // process invoked its next op, whatever the clocks say (intervals widened by clock
    // uncertainty overlap one another: 100+ at a time in real CAS runs, for 3 processes)
    const lastOk = new Map<number, number>();
    this.pred = new Int32Array(n).fill(-1);
    entries.forEach((e, i) => {
      this.pred[i] = lastOk.get(e.op.process) ?? -1;
      if (e.known) lastOk.set(e.op.process, i);
    });
    this.state = model.init();
    this.longestState = this.state;
    this.openNode(-1, 0, this.state, 0);
  }

  get done(): WglOutcome<S> | undefined {
    return this.result;
  }

  /** advance by about `maxSteps` steps; returns the outcome once there is one */
  run(maxSteps: number): WglOutcome<S> | undefined {
    if (this.result) return this.result;
    const stop = this.steps + maxSteps;
    const { model, entries, stIdx, stEnd, stFlags } = this;
    while (this.steps < stop) {
      if (this.remainingOk === 0) return (this.result = { verdict: 'valid', linearization: this.path() });
      const d = this.depth;
      if (stIdx[d]! < stEnd[d]!) {
        const i = this.candStack[stIdx[d]!++]!; // candStack may have grown: never cache it
        this.steps++;
        const ns = model.step(this.state, entries[i]!.p);
        if (ns === undefined) continue;
        const h = this.apply(i);
        if (this.seen(h, model.key(ns))) {
          this.unapply(i);
          // a forced read already explored (and failed) means this node fails
          if (stFlags[d]! & 1) stIdx[d] = stEnd[d]!;
          continue;
        }
        const before = this.state;
        const hashBefore = this.hash;
        this.state = ns;
        this.hash = h;
        this.lift(i);
        if (this.known[i]) this.remainingOk--;
        this.openNode(i, stFlags[d]! & 1 ? 2 : 0, before, hashBefore);
        continue;
      }
      // every candidate failed: this node fails, and so does a parent whose forced read it was
      let flags: number;
      do {
        if (this.depth === 0) return (this.result = this.invalid());
        flags = stFlags[this.depth]!;
        this.undoTop();
      } while (flags & 2);
    }
    return undefined;
  }

  private path(): number[] {
    const out: number[] = [];
    for (let d = 1; d <= this.depth; d++) out.push(this.stOp[d]!);
    return out;
  }

  private invalid(): WglOutcome<S> {
    const blocked = this.blocked >= 0 ? this.blocked : this.entries.findIndex((e) => e.known);
    return { verdict: 'invalid', longest: this.longest, state: this.longestState, blocked };
  }

  private undoTop(): void {
    const d = this.depth--;
    const op = this.stOp[d]!;
    this.state = this.stState[d]!;
    this.hash = this.stHash[d]!;
    this.unlift(op);
    this.unapply(op);
    if (this.known[op]) this.remainingOk++;
  }

  /** push a node for the current point (reached by `op`), with its candidates in order */
  private openNode(op: number, flags: number, before: S, hashBefore: number): void {
    const d = op < 0 ? 0 : ++this.depth;
    this.stOp[d] = op;
    this.stState[d] = before;
    this.stHash[d] = hashBefore;
    const from = d === 0 ? 0 : this.stEnd[d - 1]!;
    if (from + this.n + 1 > this.candStack.length) this.candStack = grow(this.candStack, from + this.n + 1);
    const cands = this.candStack;
    const { next, readOnly, cls, ret, call, model, entries, pred, bits } = this;
    let end = from;
    let firstReturn = -1;
    let forcedRead = -1;
    const gen = ++this.generation;
    for (let node = next[HEAD]!; node !== NIL; node = next[node]!) {
      if ((node & 1) === 0) {
        firstReturn = (node - 2) >> 1;
        break;
      }
      const i = (node - 1) >> 1;
      const before = pred[i]!;
      if (before >= 0 && (bits[before >>> 5]! & (1 << (before & 31))) === 0) continue; // its process's last ok op first
      if (readOnly[i]) {
        // an illegal read stays illegal until the state changes; a legal one is taken alone
        if (forcedRead < 0 && model.step(this.state, entries[i]!.p) !== undefined) forcedRead = i;
        continue;
      }
      const c = cls[i]!;
      if (c >= 0) {
        if (this.classMark[c] === gen) continue;
        this.classMark[c] = gen;
      }
      // insertion by (return, call): soonest return first, indeterminate ops last
      let j = end++;
      while (j > from && (ret[cands[j - 1]!]! > ret[i]! || (ret[cands[j - 1]!]! === ret[i]! && call[cands[j - 1]!]! > call[i]!))) {
        cands[j] = cands[j - 1]!;
        j--;
      }
      cands[j] = i;
    }
    if (this.fp !== undefined && op >= 0 && !readOnly[op] && this.deadReadOf(this.fp[op]!)) {
      end = from; // a pending read can never become legal from here: this node fails
    } else if (forcedRead >= 0) {
      cands[from] = forcedRead;
      end = from + 1;
      flags |= 1;
    } else if (this.fp === undefined && model.unreachable && this.deadRead()) {
      end = from;
    }
    this.stFrom[d] = from;
    this.stIdx[d] = from;
    this.stEnd[d] = end;
    this.stFlags[d] = flags;
    if (d > this.longestLen) {
      this.longestLen = d;
      this.longest = this.path();
      this.longestState = this.state;
      this.blocked = firstReturn;
    }
  }

  /**
   * Is some pending ok read already impossible? For each read whose return is among the first
   * entries of the list, the ops that may still precede it are the unlinearized ones called
   * before its return; the model's conservative test decides. Bounded to keep nodes cheap.
   */
  private deadRead(): boolean {
    const { next, readOnly, known, entries } = this;
    const pending: P[] = [];
    let seen = 0;
    for (let node = next[HEAD]!; node !== NIL && seen < DEAD_READ_WINDOW; node = next[node]!, seen++) {
      const i = (node - 1) >> 1;
      if ((node & 1) === 1) {
        if (!readOnly[i]) pending.push(entries[i]!.p);
        continue;
      }
      const r = (node - 2) >> 1;
      if (readOnly[r] && known[r] && this.model.unreachable!(this.state, entries[r]!.p, pending)) return true;
    }
    return false;
  }

  /**
   * Is some pending ok read with footprint `f` impossible now? Only the last step changed the
   * state, within its footprint, so only those reads can have become impossible; each is
   * checked against the unlinearized ops of that footprint called before its return.
   */
  private deadReadOf(f: number): boolean {
    const { next, readOnly, known, entries, fp } = this;
    const pending: P[] = [];
    for (let node = next[HEAD]!; node !== NIL; node = next[node]!) {
      const i = (node - 1) >> 1;
      if ((node & 1) === 1) {
        if (!readOnly[i] && fp![i] === f) pending.push(entries[i]!.p);
        continue;
      }
      const r = (node - 2) >> 1;
      if (readOnly[r] && known[r] && fp![r] === f && this.model.unreachable!(this.state, entries[r]!.p, pending)) return true;
    }
    return false;
  }

  private apply(i: number): number {
    if (this.known[i]) {
      this.bits[i >>> 5]! |= 1 << (i & 31);
      return this.hash ^ this.zOp[i]!;
    }
    this.counts[this.cls[i]!]!++;
    return this.hash; // class counts are compared by dominance, so they stay out of the hash
  }

  private unapply(i: number): void {
    if (this.known[i]) this.bits[i >>> 5]! &= ~(1 << (i & 31));
    else this.counts[this.cls[i]!]!--;
  }

  /**
   * Records the current node; true if it was explored already, or is dominated by an explored
   * node: the same ok set and state, and no more of any indeterminate class used.
   */
  private seen(h: number, sk: string | number): boolean {
    const key = (h ^ hashKey(sk)) | 0;
    const { bits, counts } = this;
    const w = bits.length;
    const c = counts.length;
    let slot = key & (this.table.length - 1);
    for (let r = this.table[slot]!; r >= 0; r = this.recNext[r]!) {
      if (this.recKeys[r] !== sk) continue;
      let same = true;
      for (let j = 0, o = r * w; j < w; j++) {
        if (this.recBits[o + j] !== bits[j]) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      for (let j = 0, o = r * c; j < c; j++) {
        if (this.recCounts[o + j]! > counts[j]!) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    const r = this.recKeys.length;
    if (r >= this.recNext.length) {
      this.recNext = grow(this.recNext, r + 1);
      this.recBits = grow(this.recBits, (r + 1) * w);
      this.recCounts = grow(this.recCounts, (r + 1) * Math.max(1, c));
    }
    if (r >= this.table.length * 0.75) {
      this.rehash();
      slot = key & (this.table.length - 1);
    }
    this.recBits.set(bits, r * w);
    if (c > 0) this.recCounts.set(counts, r * c);
    this.recKeys.push(sk);
    this.recHash.push(key);
    this.recNext[r] = this.table[slot]!;
    this.table[slot] = r;
    return false;
  }

  private readonly recHash: number[] = [];

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2).fill(-1);
    const mask = table.length - 1;
    for (let r = 0; r < this.recKeys.length; r++) {
      const slot = this.recHash[r]! & mask;
      this.recNext[r] = table[slot]!;
      table[slot] = r;
    }
    this.table = table;
  }

  private lift(i: number): void {
    const { next, prev } = this;
    const c = 2 * i + 1;
    next[prev[c]!] = next[c]!;
    if (next[c]! !== NIL) prev[next[c]!] = prev[c]!;
    if (this.known[i]) {
      const r = c + 1;
      next[prev[r]!] = next[r]!;
      if (next[r]! !== NIL) prev[next[r]!] = prev[r]!;
    }
  }

  private unlift(i: number): void {
    const { next, prev } = this;
    const c = 2 * i + 1;
    if (this.known[i]) {
      const r = c + 1;
      next[prev[r]!] = r;
      if (next[r]! !== NIL) prev[next[r]!] = r;
    }
    next[prev[c]!] = c;
    if (next[c]! !== NIL) prev[next[c]!] = c;
  }
}

function grow<T extends Int32Array | Uint32Array | Uint16Array>(a: T, atLeast: number): T {
  let len = a.length * 2;
  while (len < atLeast) len *= 2;
  const b = new (a.constructor as new (n: number) => T)(len);
  b.set(a);
  return b;
}

function hashKey(k: string | number): number {
  if (typeof k === 'number') {
    let x = Math.imul((k | 0) ^ ((k / 4294967296) | 0), 0x85ebca6b);
    x ^= x >>> 13;
    return Math.imul(x, 0xc2b2ae35) ^ (x >>> 16);
  }
  let h = 0x811c9dc5;
  for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  return h;
}

function splitmix32(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return z ^ (z >>> 16);
  };
}
