// A Disk Paxos processor (Gafni and Lamport) for one log slot at a time, as a state machine
// without I/O: it returns the disk reads and writes to post and takes their completions.
//   phase 1 and 2, ballot b: on each disk write your block, and once that write completed, read
//   every other processor's block there; a block with mbal >= b aborts (a higher ballot runs);
//   a phase completes on a majority of disks. After phase 1, bal := mbal and inp := the inp of
//   the highest-bal block read (own input if none); after phase 2, commit inp.
//   restart (a new incarnation): read your own block from a majority of disks, take the one with
//   the highest bal, and go on with an mbal above every one read.
import { nextBallot } from '../../harness/core';
import { EMPTY_BLOCK, type Block } from './block';

export type DiskOp =
  | { kind: 'write'; id: number; round: number; disk: number; instance: number; owner: number; block: Block }
  | { kind: 'read'; id: number; round: number; disk: number; instance: number; owner: number };

/** a completion: a read's block ('torn': its CRC failed), or the op failed / its outcome unknown */
export interface DiskResult {
  op: DiskOp;
  status: 'ok' | 'fail' | 'info';
  block?: Block | 'torn';
}

export interface ProcessorOptions {
  /** 1..processors */
  id: number;
  processors: number;
  disks: number;
  /** this processor's input for a slot (never 0) */
  input(instance: number): number;
}

export interface Commit {
  instance: number;
  ballot: number;
  value: number;
}

type Stage = 'idle' | 'restart' | 'phase1' | 'phase2' | 'committed';

interface DiskProgress {
  written: boolean;
  reads: number;
  done: boolean;
  failed: boolean;
}

export class Processor {
  readonly o: ProcessorOptions;
  instance = 0;
  stage: Stage = 'idle';
  dblock: Block = EMPTY_BLOCK;
  committed?: Commit;
  /** aborts so far in this slot */
  aborts = 0;
  private round = 0;
  private nextId = 1;
  private disks: DiskProgress[] = [];
  private read: Block[] = [];
  private highest = 0;

  constructor(o: ProcessorOptions) {
    this.o = o;
  }

  private get majority(): number {
    return Math.floor(this.o.disks / 2) + 1;
  }

  private newRound(): void {
    this.round++;
    this.read = [];
    this.disks = Array.from({ length: this.o.disks + 1 }, () => ({ written: false, reads: 0, done: false, failed: false }));
  }

  /** start a slot with phase 1 */
  begin(instance: number): DiskOp[] {
    this.instance = instance;
    this.dblock = EMPTY_BLOCK;
    this.committed = undefined;
    this.highest = 0;
    this.aborts = 0;
    return this.phase(1);
  }

  /** a new incarnation after a crash, in the slot it was in: read its own block first */
  restart(): DiskOp[] {
    this.newRound();
    this.stage = 'restart';
    const out: DiskOp[] = [];
    for (let d = 1; d <= this.o.disks; d++) out.push({ kind: 'read', id: this.nextId++, round: this.round, disk: d, instance: this.instance, owner: this.o.id });
    return out;
  }

  private phase(n: 1 | 2): DiskOp[] {
    this.newRound();
    if (n === 1) this.dblock = { ...this.dblock, mbal: nextBallot(this.o.id, this.o.processors, Math.max(this.dblock.mbal, this.highest)) };
    this.stage = n === 1 ? 'phase1' : 'phase2';
    const out: DiskOp[] = [];
    for (let d = 1; d <= this.o.disks; d++) out.push({ kind: 'write', id: this.nextId++, round: this.round, disk: d, instance: this.instance, owner: this.o.id, block: this.dblock });
    return out;
  }

  private abort(): DiskOp[] {
    this.aborts++;
    return this.phase(1);
  }

  onResult(r: DiskResult): DiskOp[] {
    const op = r.op;
    if (op.round !== this.round || op.instance !== this.instance || this.stage === 'committed' || this.stage === 'idle') return [];
    const disk = this.disks[op.disk]!;
    if (disk.failed || disk.done) return [];
    if (r.status !== 'ok') {
      disk.failed = true;
      // too many disks lost for this round to reach a majority: try again higher
      const lost = this.disks.filter((x) => x.failed).length;
      return this.o.disks - lost < this.majority ? (this.stage === 'restart' ? this.restart() : this.abort()) : [];
    }
    if (op.kind === 'read' && r.block === 'torn') return [{ ...op, id: this.nextId++ }];
    if (this.stage === 'restart') {
      this.read.push(r.block as Block);
      disk.done = true;
      if (this.read.length < this.majority) return [];
      let best = this.read[0]!;
      for (const b of this.read) if (b.bal > best.bal) best = b;
      this.highest = Math.max(this.highest, ...this.read.map((b) => b.mbal));
      this.dblock = { mbal: this.highest, bal: best.bal, inp: best.inp };
      return this.phase(1);
    }
    const out: DiskOp[] = [];
    if (op.kind === 'write') {
      disk.written = true;
      for (let q = 1; q <= this.o.processors; q++) if (q !== this.o.id) out.push({ kind: 'read', id: this.nextId++, round: this.round, disk: op.disk, instance: this.instance, owner: q });
      if (out.length) return out;
    } else {
      const b = r.block as Block;
      this.highest = Math.max(this.highest, b.mbal);
      if (b.mbal >= this.dblock.mbal) return this.abort();
      this.read.push(b);
      disk.reads++;
      if (disk.reads < this.o.processors - 1) return [];
    }
    disk.done = true;
    if (this.disks.filter((x) => x.done).length < this.majority) return [];
    if (this.stage === 'phase1') {
      let best = this.dblock;
      for (const b of this.read) if (b.bal > best.bal) best = b;
      this.dblock = { mbal: this.dblock.mbal, bal: this.dblock.mbal, inp: best.bal > 0 ? best.inp : this.o.input(this.instance) };
      return this.phase(2);
    }
    this.stage = 'committed';
    this.committed = { instance: this.instance, ballot: this.dblock.mbal, value: this.dblock.inp };
    return [];
  }
}
