// A seeded simulation of Disk Paxos over memory disks, as RDMA gives them: each processor's ops
// to a disk run in order (one RC QP), a READ racing a WRITE of the same block can come back
// torn, an op's outcome can be unknown, processors crash and restart. `replay` re-delivers an
// old WRITE later, as a failover layer that silently re-posts does: the paper's §4.1 hazard.
import { mulberry32 } from '../../harness/core';
import { BLOCK_BYTES, blockOffset, decodeBlock, encodeBlock, type Block } from './block';
import type { DiskPaxosRecords, DiskRead, DiskWrite, SnapshotBlock } from './checks';
import { Processor, type DiskOp } from './processor';

export interface DiskSimOptions {
  seed: number;
  processors: number;
  disks: number;
  instances: number;
  steps: number;
  /** per op: its outcome is lost (info), a read comes back torn, a write is re-delivered later */
  unknown?: number;
  torn?: number;
  replay?: number;
  /** per step: a processor crashes and restarts */
  crash?: number;
}

interface Queued {
  op: DiskOp;
  incarnation: number;
  posted: number;
}

export function simulateDiskPaxos(o: DiskSimOptions): DiskPaxosRecords & { decided: number } {
  const rnd = mulberry32(o.seed);
  const pick = (n: number): number => Math.floor(rnd() * n);
  const P = o.processors;
  const memory = Array.from({ length: o.disks + 1 }, () => Buffer.alloc(o.instances * P * BLOCK_BYTES));
  const input = (p: number) => (instance: number): number => p * 1_000_000 + instance;
  const procs = Array.from({ length: P + 1 }, (_, p) => (p === 0 ? undefined : new Processor({ id: p, processors: P, disks: o.disks, input: input(p) })));
  const incarnation = new Array<number>(P + 1).fill(0);
  const incarnations = new Map<number, number[]>(Array.from({ length: P }, (_, i) => [i + 1, [0]]));
  // one FIFO per (processor, disk): an RC QP's order
  const qps = new Map<string, Queued[]>();
  const ghosts: { at: number; disk: number; offset: number; bytes: Buffer }[] = [];
  const rec: Pick<DiskPaxosRecords, 'inputs' | 'commits' | 'writes' | 'reads'> = { inputs: [], commits: [], writes: [], reads: [] };
  const inputs = rec.inputs as { processor: number; instance: number; value: number }[];
  const commits = rec.commits as DiskPaxosRecords['commits'][number][];
  const writes = rec.writes as DiskWrite[];
  const reads = rec.reads as DiskRead[];
  const written = new Map<DiskOp, DiskWrite>();
  let step = 0;

  const post = (p: number, ops: DiskOp[]): void => {
    for (const op of ops) {
      const k = `${p}/${op.disk}`;
      (qps.get(k) ?? qps.set(k, []).get(k)!).push({ op, incarnation: incarnation[p]!, posted: step });
      if (op.kind === 'write') {
        const w: DiskWrite = { owner: p, disk: op.disk, instance: op.instance, block: op.block, incarnation: incarnation[p]!, source: `step ${step}: processor ${p} writes disk ${op.disk}` };
        writes.push(w);
        written.set(op, w);
      }
    }
  };
  const begin = (p: number, instance: number): void => {
    inputs.push({ processor: p, instance, value: input(p)(instance) });
    post(p, procs[p]!.begin(instance));
  };
  for (let p = 1; p <= P; p++) begin(p, 1);

  for (; step < o.steps; step++) {
    for (let g = ghosts.length - 1; g >= 0; g--) {
      if (ghosts[g]!.at > step) continue;
      const x = ghosts.splice(g, 1)[0]!;
      x.bytes.copy(memory[x.disk]!, x.offset);
    }
    if (rnd() < (o.crash ?? 0)) {
      const p = 1 + pick(P);
      const old = procs[p]!;
      if (old.stage === 'committed' || old.stage === 'idle') continue;
      // what it had posted lands or not as its QPs go down, before any new incarnation posts;
      // its completions reach nobody
      for (let d = 1; d <= o.disks; d++) {
        for (const x of qps.get(`${p}/${d}`)?.splice(0) ?? []) {
          if (x.op.kind === 'write' && rnd() < 0.5) encodeBlock(x.op.block, x.op.instance, x.op.owner).copy(memory[d]!, blockOffset(x.op.instance, x.op.owner, P));
        }
      }
      incarnation[p]!++;
      incarnations.get(p)!.push(step);
      const fresh = new Processor(old.o);
      fresh.instance = old.instance;
      procs[p] = fresh;
      post(p, fresh.restart());
      continue;
    }
    const busy = [...qps.entries()].filter(([, q]) => q.length > 0);
    if (busy.length === 0) break;
    const [key, q] = busy[pick(busy.length)]!;
    const p = Number(key.split('/')[0]);
    const { op, incarnation: inc, posted } = q.shift()!;
    const mem = memory[op.disk]!;
    const off = blockOffset(op.instance, op.owner, P);
    const lost = rnd() < (o.unknown ?? 0);
    let result: Parameters<Processor['onResult']>[0];
    if (op.kind === 'write') {
      const bytes = encodeBlock(op.block, op.instance, op.owner);
      // an op whose outcome is unknown may or may not have landed
      if (!lost || rnd() < 0.5) bytes.copy(mem, off);
      if (rnd() < (o.replay ?? 0)) ghosts.push({ at: step + 1 + pick(200), disk: op.disk, offset: off, bytes });
      if (!lost) written.get(op)!.acked = step;
      result = { op, status: lost ? 'info' : 'ok' };
    } else {
      let bytes = Buffer.from(mem.subarray(off, off + BLOCK_BYTES));
      const racing = [...qps.values()].flat().find((x) => x.op.kind === 'write' && x.op.disk === op.disk && x.op.instance === op.instance && x.op.owner === op.owner);
      if (racing && racing.op.kind === 'write' && rnd() < (o.torn ?? 0)) {
        // the first half already the racing write's, the second not yet
        const next = encodeBlock(racing.op.block, op.instance, op.owner);
        bytes = Buffer.concat([next.subarray(0, 16), bytes.subarray(16)]);
      }
      const block = decodeBlock(bytes, op.instance, op.owner);
      if (typeof block === 'string' && block !== 'torn') throw new Error(`simulated disk: ${block}`);
      if (block !== 'torn' && !lost) reads.push({ owner: op.owner, disk: op.disk, instance: op.instance, block, invoked: posted, completed: step, source: `step ${step}: processor ${p} reads disk ${op.disk}` });
      result = lost ? { op, status: 'info' } : { op, status: 'ok', block };
    }
    if (inc !== incarnation[p]) continue;
    const proc = procs[p]!;
    post(p, proc.onResult(result));
    if (proc.stage === 'committed' && proc.committed) {
      const c = proc.committed;
      commits.push({ processor: p, instance: c.instance, ballot: c.ballot, value: c.value, source: `step ${step}: processor ${p} commits` });
      if (c.instance < o.instances) begin(p, c.instance + 1);
      else proc.stage = 'idle';
    }
  }
  for (const x of ghosts) x.bytes.copy(memory[x.disk]!, x.offset);
  const end: SnapshotBlock[] = [];
  for (let d = 1; d <= o.disks; d++) {
    for (let i = 1; i <= o.instances; i++) {
      for (let p = 1; p <= P; p++) {
        const off = blockOffset(i, p, P);
        const b = decodeBlock(memory[d]!.subarray(off, off + BLOCK_BYTES), i, p) as Block;
        end.push({ disk: d, instance: i, owner: p, block: b });
      }
    }
  }
  return { processors: P, disks: o.disks, ...rec, incarnations, snapshots: new Map([['end', end]]), decided: new Set(commits.map((c) => c.instance)).size };
}
