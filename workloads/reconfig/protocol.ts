// Adore's replicated log with reconfiguration (Honoré et al.), as state machines without I/O so
// a simulated network and the cluster drive the same code. Every node is a replica: it keeps a
// timestamp (the highest it promised) and the cache it holds (its log is the branch above it).
// Any node may lead: it pulls votes at a fresh timestamp (unique per node: i, i+N, ...), hangs an
// election under the most recent cache its voters hold, appends methods and reconfigurations,
// and pushes each to the configuration in force there; a quorum of acks is a commit.
//
// The caches live in one store shared by the roles (the controller's memory, as Paxos's acceptor
// slots do): they are immutable and named by number, so a 40-byte message names the cache it
// carries, where a replica over a real network would ship the branch's missing suffix.
//
// R1+, R2 and R3 are checked by the leader before it appends a reconfiguration; each can be
// switched off (`unsafe`) to reproduce the bug pattern it prevents.
import { isQuorum, nextBallot, quorumsOverlap, type Cache, type CacheKind } from '../../harness/core';
import type { Msg } from '../paxos';

export type Condition = 'R1+' | 'R2' | 'R3';
export const CONDITIONS: readonly Condition[] = ['R1+', 'R2', 'R3'];

/** a cache's number on the wire: its time and its place among its leader's caches at that time */
export const cacheNo = (time: number, seq: number): number => time * 10_000 + seq;
export const cacheId = (no: number): string => `t${Math.floor(no / 10_000)}.${no % 10_000}`;
export const ROOT_NO = 0;
/** a cache's number from its id (NaN for an id no node made) */
export const cacheNoOf = (id: string): number => {
  const m = /^t(\d+)\.(\d+)$/.exec(id);
  return m ? cacheNo(Number(m[1]), Number(m[2])) : NaN;
};

/** the caches every role shares: append-only, with each one's depth and configuration */
export class CacheStore {
  readonly caches = new Map<number, Cache>();
  private readonly depth = new Map<number, number>();
  /** each cache's parent by number, so a walk up needs no id lookup */
  private readonly parentNo = new Map<number, number>();
  private readonly config = new Map<number, readonly string[]>();
  constructor(initial: readonly string[]) {
    this.caches.set(ROOT_NO, { id: cacheId(ROOT_NO), kind: 'M', time: 0, leader: '-', method: 'initial' });
    this.depth.set(ROOT_NO, 0);
    this.config.set(ROOT_NO, initial);
  }
  add(no: number, parent: number, c: Omit<Cache, 'id' | 'parent'>): Cache {
    const cache: Cache = { id: cacheId(no), parent: cacheId(parent), ...c };
    this.caches.set(no, cache);
    this.depth.set(no, this.depth.get(parent)! + 1);
    this.parentNo.set(no, parent);
    this.config.set(no, c.kind === 'R' && c.config ? c.config : this.config.get(parent)!);
    if (c.kind === 'C') this.committed.add(cache.id).add(cache.parent!);
    return cache;
  }
  /** a C, or a cache a C commits (a C hangs under it): the checker's reading too */
  readonly committed = new Set<string>();
  has(no: number): boolean {
    return this.caches.has(no);
  }
  /** the configuration in force at (below) a cache */
  configAt(no: number): readonly string[] {
    return this.config.get(no)!;
  }
  /** the more recent of two caches: the later time, then the deeper (one leader per time) */
  newer(a: number, b: number): number {
    const [ta, tb] = [this.caches.get(a)!.time, this.caches.get(b)!.time];
    return ta !== tb ? (ta > tb ? a : b) : this.depth.get(a)! >= this.depth.get(b)! ? a : b;
  }
  /** the caches from `no` up to the root, `no` first */
  up(no: number): Cache[] {
    const out: Cache[] = [];
    for (let at: number | undefined = no; at !== undefined && this.caches.has(at); at = this.parentNo.get(at)) out.push(this.caches.get(at)!);
    return out;
  }
}

/** R2 and R3 at a leader's head: which of them a reconfiguration appended there would break */
export function reconfigBlockers(store: CacheStore, head: number, time: number): Condition[] {
  const up = store.up(head);
  const lastCommit = up.findIndex((c) => store.committed.has(c.id));
  const out: Condition[] = [];
  if (up.slice(0, lastCommit < 0 ? up.length : lastCommit).some((c) => c.kind === 'R')) out.push('R2');
  const election = up.findIndex((c) => c.kind === 'E' && c.time === time);
  if (!up.slice(0, election < 0 ? up.length : election).some((c) => c.time === time && store.committed.has(c.id))) out.push('R3');
  return out;
}

/** one node: its replica state, and its leader or candidate role */
export interface NodeOptions {
  /** this node's index, 1..nodes, and every node's name (the universe a configuration is drawn from) */
  id: number;
  names: readonly string[];
  store: CacheStore;
  /** conditions switched off */
  unsafe?: readonly Condition[];
}

export interface Out {
  to: number;
  msg: Msg;
}

/** what the node made, for the history: every cache it appended */
export type Made = (c: Cache, no: number) => void;

export class RNode {
  readonly o: NodeOptions;
  /** the replica: highest timestamp promised, and the cache held */
  time = 0;
  head = ROOT_NO;
  /** the role */
  mode: 'follower' | 'candidate' | 'leader' = 'follower';
  /** a leader's or candidate's own timestamp */
  term = 0;
  private seq = 0;
  private highestSeen = 0;
  private votes = new Map<number, number>();
  /** a leader's cache being pushed, and who acked it */
  pending?: { no: number; acks: Set<number> };
  commits = 0;
  reconfigs = 0;
  /** reconfigurations a condition held back */
  held = 0;
  private lastReconfigAt = 0;
  private pairNext = false;
  /** a second reconfiguration is to go on top of the one in flight (R2 off) */
  get pipelining(): boolean {
    return this.pairNext && this.pending !== undefined;
  }

  constructor(o: NodeOptions) {
    this.o = o;
  }

  private name(i: number): string {
    return this.o.names[i - 1]!;
  }
  private index(name: string): number {
    return this.o.names.indexOf(name) + 1;
  }
  private msg(type: Msg['type'], ballot: number, value = 0, accBallot = 0, accValue = 0): Msg {
    return { type, instance: 0, ballot, sender: this.o.id, value, accBallot, accValue };
  }

  /** stand as a candidate at a timestamp above any seen: pull votes from every node */
  campaign(): Out[] {
    this.term = nextBallot(this.o.id, this.o.names.length, Math.max(this.time, this.highestSeen, this.term));
    this.mode = 'candidate';
    this.pending = undefined;
    this.pairNext = false;
    this.votes.clear();
    const out: Out[] = [];
    for (let i = 1; i <= this.o.names.length; i++) if (i !== this.o.id) out.push({ to: i, msg: this.msg('prepare', this.term) });
    // its own vote, as its replica would give it
    this.time = this.term;
    this.votes.set(this.o.id, this.head);
    return out;
  }

  /** a message from node `m.sender`: the replica answers pulls and pushes, the role takes votes and acks */
  receive(m: Msg, made: Made): Out[] {
    const s = this.o.store;
    if (m.type === 'prepare') {
      if (m.ballot <= this.time) return [{ to: m.sender, msg: this.msg('nack', m.ballot, this.time) }];
      this.time = m.ballot;
      this.stepDown();
      return [{ to: m.sender, msg: this.msg('promise', m.ballot, 0, s.caches.get(this.head)!.time, this.head) }];
    }
    if (m.type === 'accept') {
      if (m.ballot < this.time || !s.has(m.value)) return [{ to: m.sender, msg: this.msg('nack', m.ballot, this.time) }];
      if (m.ballot > this.time) this.stepDown();
      // a late duplicate of an earlier push of the same leader must not take the replica back:
      // a commit may already count its ack of the later cache
      this.head = m.ballot > this.time ? m.value : s.newer(this.head, m.value);
      this.time = m.ballot;
      return [{ to: m.sender, msg: this.msg('accepted', m.ballot, m.value) }];
    }
    if (m.type === 'nack') {
      this.highestSeen = Math.max(this.highestSeen, m.value);
      if (m.ballot === this.term && m.value > this.term) this.stepDown();
      return [];
    }
    if (m.ballot !== this.term) return []; // an answer to an older timestamp counts for nothing
    if (m.type === 'promise' && this.mode === 'candidate' && s.has(m.accValue)) {
      this.votes.set(m.sender, m.accValue);
      return this.tryElect(made);
    }
    if (m.type === 'accepted' && this.mode === 'leader' && this.pending?.no === m.value) {
      this.pending.acks.add(m.sender);
      this.tryCommit(made);
    }
    return [];
  }

  private stepDown(): void {
    this.mode = 'follower';
    this.pending = undefined;
  }

  private tryElect(made: Made): Out[] {
    const s = this.o.store;
    let max = ROOT_NO;
    for (const h of this.votes.values()) max = s.newer(max, h);
    const cfg = s.configAt(max);
    const voters = [...this.votes.keys()].map((i) => this.name(i));
    if (!isQuorum(voters, cfg) || this.time !== this.term) return [];
    this.seq = 0;
    const no = cacheNo(this.term, 0);
    made(s.add(no, max, { kind: 'E', time: this.term, leader: this.name(this.o.id), supporters: voters.filter((v) => cfg.includes(v)) }), no);
    this.head = no;
    this.mode = 'leader';
    return [];
  }

  private tryCommit(made: Made): void {
    const s = this.o.store;
    const p = this.pending!;
    const cfg = s.configAt(p.no);
    const who = [...p.acks].map((i) => this.name(i));
    if (!isQuorum(who, cfg)) return;
    const no = cacheNo(this.term, ++this.seq);
    made(s.add(no, p.no, { kind: 'C', time: this.term, leader: this.name(this.o.id), supporters: who.filter((w) => cfg.includes(w)) }), no);
    this.head = no;
    this.pending = undefined;
    this.commits++;
  }

  /**
   * A leader with nothing in flight appends its next cache: the reconfiguration `next` if one is
   * asked for and the conditions not switched off allow it, else a method. Returns its push.
   * `onTop`: a second reconfiguration right on top of the one in flight (pipelined), which only
   * R2 forbids; it replaces the push in flight.
   */
  invoke(method: string, next: readonly string[] | undefined, made: Made, onTop = false): Out[] {
    if (this.mode !== 'leader' || this.time !== this.term) return [];
    if (this.pending && !(onTop && next)) return [];
    if (onTop) this.pending = undefined;
    const s = this.o.store;
    const unsafe = new Set(this.o.unsafe ?? []);
    const cfg = s.configAt(this.head);
    let reconfig = false;
    if (next) {
      const broken = [...reconfigBlockers(s, this.head, this.term), ...(quorumsOverlap(cfg, next) ? [] : ['R1+' as const])];
      if (broken.every((c) => unsafe.has(c))) reconfig = true;
      else this.held++;
    }
    const no = cacheNo(this.term, ++this.seq);
    const kind: CacheKind = reconfig ? 'R' : 'M';
    made(s.add(no, this.head, { kind, time: this.term, leader: this.name(this.o.id), ...(reconfig ? { config: [...next!] } : { method }) }), no);
    if (reconfig) this.reconfigs++;
    this.head = no;
    return this.push(no);
  }

  /**
   * A leader's next command: a reconfiguration once `every` of its commits passed since its
   * last one, else a method. With R2 off each reconfiguration is at once followed by a second on
   * top of it, before the first commits: R2's bug pattern.
   */
  next(method: string, every: number, pick: (n: number) => number, made: Made): Out[] {
    if (this.mode !== 'leader') return [];
    const onTop = this.pairNext && this.pending !== undefined;
    if (this.pending && !onTop) return [];
    const due = onTop || this.commits - this.lastReconfigAt >= every;
    const next = due ? nextConfig(this.o.store.configAt(this.head), this.o.names, this.name(this.o.id), pick, this.o.unsafe) : undefined;
    const before = this.reconfigs;
    const out = this.invoke(method, next, made, onTop);
    if (this.reconfigs > before) this.lastReconfigAt = this.commits;
    this.pairNext = this.reconfigs > before && !onTop && (this.o.unsafe ?? []).includes('R2');
    return out;
  }

  /** (re)send the cache in flight to the configuration in force there; the leader acks its own */
  push(no = this.pending?.no): Out[] {
    if (no === undefined || this.mode !== 'leader') return [];
    this.pending ??= { no, acks: new Set([this.o.id]) };
    const out: Out[] = [];
    for (const n of this.o.store.configAt(no)) {
      const i = this.index(n);
      if (i !== this.o.id && i > 0) out.push({ to: i, msg: this.msg('accept', this.term, no) });
    }
    return out;
  }

  /** a push re-sent after a timeout, or a lone leader's commit check */
  retryPush(made: Made): Out[] {
    if (!this.pending) return [];
    this.tryCommit(made);
    return this.pending ? this.push() : [];
  }
}

/** the reconfiguration to ask for: add, remove or swap one member, never the leader itself */
export function nextConfig(cfg: readonly string[], universe: readonly string[], leader: string, pick: (n: number) => number, unsafe: readonly Condition[] = []): string[] {
  const outside = universe.filter((n) => !cfg.includes(n));
  const removable = cfg.filter((n) => n !== leader);
  const moves: string[][] = [];
  const unsafeR1 = unsafe.includes('R1+');
  for (const n of outside) moves.push([...cfg, n]);
  // two members at least, so one lost node does not stop the log; with R2 off the second of two
  // pipelined removals may leave the leader alone (the pair is R2's bug pattern)
  if (cfg.length > (unsafe.includes('R2') ? 1 : 2)) for (const n of removable) moves.push(cfg.filter((x) => x !== n));
  for (const n of outside) for (const r of removable) moves.push([...cfg.filter((x) => x !== r), n]);
  // with R1+ off: also the changes of two members at once, which can leave no overlap
  if (unsafeR1) for (const a of removable) for (const b of removable) if (a < b && cfg.length > 3) moves.push(cfg.filter((x) => x !== a && x !== b));
  const all = moves.map((m) => [...m].sort());
  return all.length ? all[pick(all.length)]! : [...cfg];
}
