// The replicated log: Disk Paxos processors deciding slot after slot. Each processor moves as
// its results come: its ops go out in batches per lane (a QP: whoever posts them, a test's
// agents or a run's), so a slow or broken disk holds up only its own lane and a processor goes
// on with a majority. Dueling ballots settle by randomized backoff after an abort. What
// happened is kept as the checks' records when asked; a run's check reads the history.
import type { OpDescriptor } from '../../agents';
import { mulberry32, type HistoryEvent } from '../../harness/core';
import type { DiskPaxosRecords, DiskRead, DiskWrite } from './checks';
import { toAgentOp, toDiskResult } from './ops';
import { Processor, type DiskOp } from './processor';

/** processor p's input for a slot: distinct per (p, slot), never 0 */
export const inputOf = (p: number, slot: number): number => p * 1_000_000 + slot;

/** one op's completion as its poster saw it, with the times the checks may rely on */
export interface Posted {
  done: HistoryEvent;
  invoked: number;
  completed: number;
}

export interface LogOptions {
  processors: number;
  disks: number;
  seed: number;
  /** the first slot (default 1) and how many; the log stops after the last */
  firstSlot?: number;
  slots: number;
  /** the processors that propose (default all); the others stay idle, their blocks empty */
  proposers?: number[];
  /**
   * a leader (a processor id): the others begin each slot `followMs` after the leader committed
   * it (or `takeoverMs` after they were ready, if it did not), as a standby re-running a slot
   * the leader may have decided; default: every processor begins at once and they duel
   */
  leader?: number;
  followMs?: number;
  takeoverMs?: number;
  /** per result: a processor mid-slot crashes (its state and unposted ops are gone) and restarts */
  crash?: number;
  /** how many times processor p's node restarted (a run's crash faults): each one restarts p */
  nodeRestarts?(p: number): number;
  /** processor p began a new incarnation */
  restarted?(p: number): void;
  /** at most this many batches posted */
  maxSteps?: number;
  /** keep the writes, reads and commits as records (a test's; a run's check reads the history) */
  keepRecords?: boolean;
  /** ops of one lane go out together: lanes that post through one QP (agent, disk node) */
  lane(p: number, disk: number): string;
  /** post a lane's ops; resolves with each op's completion, in op order */
  post(lane: string, ops: OpDescriptor[]): Promise<Posted[]>;
  /** a processor decided a slot */
  decided?(c: { processor: number; instance: number; ballot: number; value: number }): void;
  /** false: stop before the next step (a run's deadline) */
  going?(): boolean;
}

export interface LogOutcome extends DiskPaxosRecords {
  /** per commit: ms from the processor's start of the slot to its commit */
  commitMs: number[];
  /** batches posted */
  steps: number;
}

export async function runLog(o: LogOptions): Promise<LogOutcome> {
  const P = o.processors;
  const rnd = mulberry32(o.seed);
  const procs = Array.from({ length: P }, (_, i) => new Processor({ id: i + 1, processors: P, disks: o.disks, input: (s) => inputOf(i + 1, s) }));
  const incarnations = new Map<number, number[]>(procs.map((_, i) => [i + 1, [0]]));
  const began = procs.map(() => Date.now());
  const active = o.proposers ?? procs.map((_, i) => i + 1);
  const first = o.firstSlot ?? 1;
  const last = first + o.slots - 1;
  const keep = o.keepRecords === true;
  const writes: DiskWrite[] = [];
  const reads: DiskRead[] = [];
  const commits: LogOutcome['commits'][number][] = [];
  const commitMs: number[] = [];
  let steps = 0;
  // a lane posts one batch at a time; what comes meanwhile waits for the next batch. Each op
  // carries its processor's incarnation: a crashed one's completions reach nobody.
  const lanes = new Map<string, { busy: boolean; queue: { p: number; op: DiskOp; inc: number }[] }>();
  const backoff = procs.map(() => 0);
  const seenRestarts = procs.map(() => 0);
  let inFlight = 0;
  let wake: (() => void) | undefined;
  let failure: unknown;
  const leaderAt = new Map<number, number>();
  let waiting = 0;
  // a follower's begin of `slot`, once the leader committed it and followMs passed (or takeoverMs)
  const beginLater = (p: number, slot: number): void => {
    const ready = Date.now();
    waiting++;
    const tryBegin = (): void => {
      const at = leaderAt.get(slot);
      const due = at !== undefined ? at + (o.followMs ?? 0) : ready + (o.takeoverMs ?? 5000);
      if (going() && Date.now() < due) return void setTimeout(tryBegin, Math.min(50, due - Date.now()));
      waiting--;
      if (going()) enqueue(p, procs[p]!.begin(slot));
      pump();
      wake?.();
    };
    tryBegin();
  };
  const begin = (p: number, slot: number): void => (o.leader === undefined || o.leader === p + 1 ? enqueue(p, procs[p]!.begin(slot)) : beginLater(p, slot));
  const going = (): boolean => failure === undefined && steps < (o.maxSteps ?? Infinity) && (o.going?.() ?? true);

  const enqueue = (p: number, ops: DiskOp[]): void => {
    const inc = incarnations.get(p + 1)!.length - 1;
    for (const op of ops) {
      const key = o.lane(p + 1, op.disk);
      const l = lanes.get(key) ?? lanes.set(key, { busy: false, queue: [] }).get(key)!;
      l.queue.push({ p, op, inc });
    }
  };
  const pump = (): void => {
    if (!going()) return;
    for (const [key, l] of lanes) {
      if (l.busy || l.queue.length === 0) continue;
      // a processor backing off after an abort sits this batch out
      const now = Date.now();
      const items = l.queue.filter((x) => backoff[x.p]! <= now);
      if (items.length === 0) continue;
      l.queue = l.queue.filter((x) => backoff[x.p]! > now);
      l.busy = true;
      inFlight++;
      steps++;
      o.post(key, items.map((b) => toAgentOp(b.op, P)))
        .then((posted) => items.forEach((b, k) => settle(b, posted[k]!)))
        .catch((e: unknown) => (failure ??= e))
        .finally(() => {
          l.busy = false;
          inFlight--;
          pump();
          wake?.();
        });
    }
  };
  const settle = (b: { p: number; op: DiskOp; inc: number }, { done, invoked, completed }: Posted): void => {
    const { p, op } = b;
    const r = toDiskResult(op, done);
    if (keep) {
      const source = `${String(done.key)} (${done.type})`;
      if (op.kind === 'write') writes.push({ owner: op.owner, disk: op.disk, instance: op.instance, block: op.block, incarnation: b.inc, ...(r.status === 'ok' ? { acked: completed } : {}), source });
      else if (r.status === 'ok' && r.block !== 'torn') reads.push({ owner: op.owner, disk: op.disk, instance: op.instance, block: r.block!, invoked, completed, source });
    }
    if (b.inc !== incarnations.get(p + 1)!.length - 1) return;
    let proc = procs[p]!;
    const nodeRestarted = (o.nodeRestarts?.(p + 1) ?? 0) !== seenRestarts[p];
    if ((nodeRestarted || rnd() < (o.crash ?? 0)) && proc.stage !== 'committed' && proc.stage !== 'idle') {
      seenRestarts[p] = o.nodeRestarts?.(p + 1) ?? 0;
      // it crashes before taking this result: state and unposted ops gone; what it posted still lands
      const fresh = new Processor(proc.o);
      fresh.instance = proc.instance;
      procs[p] = proc = fresh;
      incarnations.get(p + 1)!.push(Number(process.hrtime.bigint()));
      for (const l of lanes.values()) l.queue = l.queue.filter((x) => x.p !== p);
      enqueue(p, fresh.restart());
      o.restarted?.(p + 1);
      return;
    }
    const aborts = proc.aborts;
    const next = proc.onResult(r);
    // dueling ballots settle by randomized exponential backoff after an abort
    if (proc.aborts > aborts) backoff[p] = Date.now() + Math.floor(rnd() * Math.min(200, 5 * 2 ** Math.min(proc.aborts, 6)));
    enqueue(p, next);
    if (proc.committed && proc.stage === 'committed') {
      const c = { processor: p + 1, instance: proc.instance, ballot: proc.committed.ballot, value: proc.committed.value };
      if (keep) commits.push({ ...c, source: `processor ${p + 1}` });
      if (p + 1 === o.leader) leaderAt.set(proc.instance, Date.now());
      o.decided?.(c);
      commitMs.push(Date.now() - began[p]!);
      began[p] = Date.now();
      if (proc.instance < last) begin(p, proc.instance + 1);
      else proc.stage = 'idle';
    }
  };

  procs.forEach((_, i) => {
    if (active.includes(i + 1)) begin(i, first);
  });
  pump();
  // until nothing is in flight and nothing can go out (every slot done, or told to stop)
  for (;;) {
    const queued = [...lanes.values()].some((l) => l.queue.length > 0);
    if (inFlight === 0 && waiting === 0 && (!queued || !going())) break;
    if (inFlight === 0 && queued && going()) {
      // only backing-off processors have work: wait for the first of them
      const until = Math.min(...[...lanes.values()].flatMap((l) => l.queue.map((x) => backoff[x.p]!)));
      await new Promise((ok) => setTimeout(ok, Math.max(1, Math.min(50, until - Date.now()))));
      pump();
      continue;
    }
    // a batch's end or a follower's begin wakes this; the timeout only guards against a lost wake
    await new Promise<void>((ok) => {
      wake = ok;
      setTimeout(ok, 50);
    });
    wake = undefined;
  }
  if (failure !== undefined) throw failure;
  const inputs = active.flatMap((p) => Array.from({ length: o.slots }, (_, s) => ({ processor: p, instance: first + s, value: inputOf(p, first + s) })));
  return { processors: P, disks: o.disks, inputs, commits, writes, reads, incarnations, snapshots: new Map(), commitMs, steps };
}
