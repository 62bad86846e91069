// Pairs invocation and completion events into operations, the form every checker works on.
// Real-time order comes from `time` when every client event has one, else from file order.
import { inputAt } from '../errors';
import type { FaultWindow } from '../faults';
import type { Json } from '../json';
import type { HistoryEvent, OpF, RdmaMeta } from './schema';

export type OpStatus = 'ok' | 'fail' | 'info';

export interface Operation {
  /** index in OpHistory.ops */
  id: number;
  process: number;
  f: OpF;
  key?: string | number;
  node?: string;
  /** the argument */
  value?: Json;
  /** the result of an ok op; undefined means unknown (a wildcard) */
  result?: Json;
  status: OpStatus;
  error?: string;
  /** rank of the invocation in real-time order */
  call: number;
  /** rank of the completion; Infinity for info ops, which may take effect at any later point */
  ret: number;
  callTime?: number;
  /** completion time even for info ops, for display */
  retTime?: number;
  callLine?: number;
  retLine?: number;
  rdma?: RdmaMeta;
  /** a read of the final snapshot (see HistoryEvent.final) */
  final?: boolean;
}

export interface OpHistory {
  ops: Operation[];
  faults: FaultWindow[];
}

export interface PairOptions {
  file: string;
  /** source line per event */
  lines?: number[];
}

/**
 * Invocations and completions pair up per process in file order (a writer records each op's
 * events in sequence); real-time ranks come from `time`. The two can differ: a controller widens
 * each op's interval by its clock uncertainty, so one process's ops may overlap in time.
 */
export function pairEvents(events: readonly HistoryEvent[], opts: PairOptions): OpHistory {
  const order = realTimeOrder(events);
  const rank = new Float64Array(events.length);
  order.forEach((i, r) => (rank[i] = r));
  const pairer = new Pairer(opts.file);
  for (let i = 0; i < events.length; i++) pairer.pushAt(events[i]!, rank[i]!, opts.lines?.[i] ?? i + 1);
  return pairer.finish();
}

/**
 * Pairs events fed one at a time in real-time order (rank = arrival order), so a reader can
 * stream a history without keeping its events.
 */
export class Pairer {
  private readonly ops: Operation[] = [];
  /** the open op of each process: an array for small process ids, a map beyond */
  private readonly pendingSmall: (Operation | undefined)[] = [];
  private readonly pendingBig = new Map<number, Operation>();
  private readonly faults = new Map<string, FaultWindow>();
  private rank = 0;
  /** per event fed by push(): 2 x time, +1 for a completion (the sort key of realTimeOrder) */
  private keys = new Float64Array(1024);
  private timed = true;
  private inOrder = true;
  private lastKey = -1;
  constructor(private readonly file: string) {}

  /**
   * The next event in file order. Ranks are arrival order while the events come in time order
   * (as a controller that writes them sorted does); otherwise finish() re-ranks them by time, as
   * pairEvents does, so a reader never has to keep the events to sort them first.
   */
  push(e: HistoryEvent, line: number | undefined): void {
    const r = this.rank++;
    if (r === this.keys.length) {
      const k = new Float64Array(r * 2);
      k.set(this.keys);
      this.keys = k;
    }
    // an event without a time (nemesis only, in a timed history) stays where the file has it
    if (e.time === undefined && e.process !== 'nemesis') this.timed = false;
    const key = e.time === undefined ? Math.max(0, this.lastKey) : 2 * e.time + (e.type === 'invoke' ? 0 : 1);
    if (key < this.lastKey) this.inOrder = false;
    this.lastKey = key;
    this.keys[r] = key;
    this.pushAt(e, r, line);
  }

  /**
   * An event with its real-time rank given (events arrive in file order). Nothing of `e`
   * itself is kept, only its field values, so a reader may reuse the object.
   */
  pushAt(e: HistoryEvent, rank: number, line: number | undefined): void {
    if (e.process === 'nemesis') {
      recordFault(e, rank, this.faults, this.file, line);
      return;
    }
    const p = e.process;
    const small = p < SMALL_PROCESS;
    const open = small ? this.pendingSmall[p] : this.pendingBig.get(p);
    if (e.type === 'invoke') {
      if (open) {
        throw inputAt('history.doubleInvoke', this.file, line, `process ${p} invokes ${e.f} while its ${open.f} (line ${open.callLine}) has no completion`);
      }
      // Every op has every field (undefined when absent): one shape, one allocation. The
      // fields that take numbers from the event start undefined and are set after: V8 then
      // keeps them as plain slots, where a field that has only ever held numbers gets a
      // separately allocated box in every op.
      const op: Operation = {
        id: this.ops.length,
        process: p,
        f: e.f,
        key: undefined,
        node: e.node === undefined ? undefined : this.intern(e.node),
        value: undefined,
        result: undefined,
        status: 'info',
        error: undefined,
        call: rank,
        ret: UNSET_RANK,
        callTime: undefined,
        retTime: undefined,
        callLine: line,
        retLine: undefined,
        rdma: e.rdma,
        final: e.final ? true : undefined,
      };
      op.ret = Infinity;
      if (e.key !== undefined) op.key = typeof e.key === 'string' ? this.intern(e.key) : e.key;
      if (e.value !== undefined) op.value = e.value;
      if (e.time !== undefined) op.callTime = e.time;
      this.ops.push(op);
      if (small) this.pendingSmall[p] = op;
      else this.pendingBig.set(p, op);
      return;
    }
    if (!open) throw inputAt('history.orphanCompletion', this.file, line, `${e.type} ${e.f} for process ${p}, which has no pending invoke`);
    if (open.f !== e.f) throw inputAt('history.mismatchedCompletion', this.file, line, `${e.type} ${e.f} completes process ${p}'s ${open.f} (line ${open.callLine})`);
    if (small) this.pendingSmall[p] = undefined;
    else this.pendingBig.delete(p);
    open.status = e.type;
    if (line !== undefined) open.retLine = line;
    if (e.time !== undefined) open.retTime = e.time;
    if (e.error !== undefined) open.error = this.intern(e.error);
    if (e.final) open.final = true;
    if (e.rdma !== undefined) open.rdma = open.rdma && !covers(e.rdma, open.rdma) ? { ...open.rdma, ...e.rdma } : e.rdma;
    if (e.type === 'ok') {
      open.ret = rank;
      if (e.result !== undefined) open.result = e.result;
    }
    // fail and info keep ret = Infinity: fail ops are dropped by checkers, info ops may
    // take effect at any point after their invocation, or never.
  }

  /**
   * One string per distinct key, node and error name: a reader makes a new string for each
   * event, and a 1M-op history names the same few keys and nodes a million times.
   */
  private readonly strings = new Map<string, string>();
  private intern(v: string): string {
    const s = this.strings.get(v);
    if (s !== undefined) return s;
    if (this.strings.size < 1 << 16) this.strings.set(v, v);
    return v;
  }

  finish(): OpHistory {
    if (this.timed && !this.inOrder) this.rerank();
    return { ops: this.ops, faults: [...this.faults.values()] };
  }

  /** ranks by (time, invocations first, file order): a stable sort of the arrival ranks */
  private rerank(): void {
    const n = this.rank;
    const keys = this.keys.subarray(0, n);
    // Int32 ranks: an op's call and ret fields hold small integers, and writing a double read
    // from a Float64Array into them changed their representation in a million objects (1.7 s)
    const rankOf = packedRanks(keys) ?? this.searchRanks(keys);
    for (const op of this.ops) {
      op.call = rankOf[op.call]!;
      if (op.ret !== Infinity) op.ret = rankOf[op.ret]!;
    }
    for (const w of this.faults.values()) {
      if (w.startRank !== undefined) w.startRank = rankOf[w.startRank]!;
      if (w.stopRank !== undefined) w.stopRank = rankOf[w.stopRank]!;
    }
  }

  private searchRanks(keys: Float64Array): Int32Array {
    const n = keys.length;
    // a stable sort without a comparator (2M indices through a JS comparator took 1.5 s): an
    // event's rank is how many keys are smaller, plus how many equal ones arrived before it
    const sorted = Float64Array.from(keys).sort();
    const taken = new Int32Array(n);
    const rankOf = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sorted[mid]! < k) lo = mid + 1;
        else hi = mid;
      }
      rankOf[i] = lo + taken[lo]!++;
    }
    return rankOf;
  }
}

/**
 * Stable ranks in one native sort where (key, arrival) packs into an exact double: a binary
 * search per event took 1.9 s for 2M events. Undefined when the keys are too wide to pack.
 */
function packedRanks(keys: Float64Array): Int32Array | undefined {
  const n = keys.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    if (!Number.isInteger(k)) return undefined;
    if (k < lo) lo = k;
    if (k > hi) hi = k;
  }
  if (n === 0 || (hi - lo + 1) * n >= Number.MAX_SAFE_INTEGER) return undefined;
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = (keys[i]! - lo) * n + i;
  packed.sort();
  const rankOf = new Int32Array(n);
  for (let r = 0; r < n; r++) rankOf[packed[r]! % n] = r;
  return rankOf;
}

/** true if `a` has every field of `b`: merging b then a gives a's fields alone */
function covers(a: RdmaMeta, b: RdmaMeta): boolean {
  for (const k in b) if (!(k in a)) return false;
  return true;
}

/**
 * An op's `ret` starts as this and is set to Infinity at once: a field first written with a
 * double (Infinity) holds every later value in a box of its own, one per op, where a field
 * that first held a non-number keeps small integers (the ranks) in place.
 */
const UNSET_RANK = undefined as unknown as number;

/** process ids below this index an array; real histories number processes from 0 */
const SMALL_PROCESS = 1 << 16;

/** Event indices in real-time order: by time when every client event has one, else file order. */
function realTimeOrder(events: readonly HistoryEvent[]): number[] {
  const idx = events.map((_, i) => i);
  const timed = events.every((e) => e.process === 'nemesis' || e.time !== undefined);
  if (!timed || alreadyOrdered(events)) return idx;
  // At equal times invocations sort first: touching intervals count as concurrent, which
  // never adds a precedence constraint that the real execution did not have.
  const rankType = (e: HistoryEvent): number => (e.type === 'invoke' ? 0 : 1);
  return idx.sort((a, b) => {
    const ea = events[a]!;
    const eb = events[b]!;
    const ta = ea.time ?? -1;
    const tb = eb.time ?? -1;
    if (ea.time === undefined || eb.time === undefined) return a - b;
    return ta - tb || rankType(ea) - rankType(eb) || a - b;
  });
}

/** Controllers write in time order, so the common case needs no sort. */
function alreadyOrdered(events: readonly HistoryEvent[]): boolean {
  let last = -1;
  let lastInvoke = true;
  for (const e of events) {
    if (e.time === undefined) continue;
    const inv = e.type === 'invoke';
    if (e.time < last || (e.time === last && inv && !lastInvoke)) return false;
    last = e.time;
    lastInvoke = inv;
  }
  return true;
}

function recordFault(e: HistoryEvent, rank: number, faults: Map<string, FaultWindow>, file: string, line: number | undefined): void {
  if (!e.fault) throw inputAt('history.nemesisWithoutFault', file, line, `nemesis ${e.f} event has no "fault" field`);
  // The invoke is the request; the completion carries the time the fault really took effect.
  if (e.type === 'invoke') return;
  const id = e.fault.id;
  if (e.f === 'start') {
    const w: FaultWindow = { id, kind: e.fault.kind, targets: e.fault.targets ?? [], params: e.fault.params ?? {}, startRank: rank };
    if (e.time !== undefined) w.start = e.time;
    faults.set(id, w);
  } else if (e.f === 'stop') {
    const w = faults.get(id);
    if (!w) throw inputAt('history.faultStopWithoutStart', file, line, `fault ${id} stops without having started`);
    w.stopRank = rank;
    if (e.time !== undefined) w.stop = e.time;
  } else {
    throw inputAt('history.badNemesisOp', file, line, `nemesis events are start or stop, not ${e.f}`);
  }
}
