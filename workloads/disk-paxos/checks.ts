// Disk Paxos's safety, checked from what a run recorded: every disk write and read with its
// completion, the inputs and the commits, and the disks' memory read at the end and at fault
// boundaries (snapshots). Pure: records in, violations out.
//   Nontrivial    every committed value was some processor's input for that slot
//   Consistent    all commits of a slot carry one value
//   NoRegression  within one incarnation of p, a read of p's block on a disk never returns an
//                 older (mbal, bal) than p's last acknowledged write there
//   Snapshot      (Gafni and Lamport's appendix) mbal >= bal; bal = 0 exactly when inp is
//                 empty; ballots belong to their owner; every bal is <= mbal on some majority
import type { Block } from './block';

export interface DiskWrite {
  owner: number;
  disk: number;
  instance: number;
  block: Block;
  /** the owner's incarnation that posted it (0, then one more per restart) */
  incarnation: number;
  /** completion time; undefined: never acknowledged */
  acked?: number;
  source: string;
}

export interface DiskRead {
  owner: number;
  disk: number;
  instance: number;
  block: Block;
  /** when the read was posted, and when it completed */
  invoked: number;
  completed: number;
  source: string;
}

export interface SnapshotBlock {
  disk: number;
  instance: number;
  owner: number;
  block: Block;
  /** the read that returned it, so a violation names it (op id when the history has one) */
  source?: string;
}

export interface DiskPaxosRecords {
  processors: number;
  disks: number;
  inputs: readonly { processor: number; instance: number; value: number }[];
  commits: readonly { processor: number; instance: number; ballot: number; value: number; source: string }[];
  writes: readonly DiskWrite[];
  reads: readonly DiskRead[];
  /** when each processor's incarnations began (index k: incarnation k) */
  incarnations: ReadonlyMap<number, readonly number[]>;
  /** the disks' blocks, per snapshot label ('end', or a fault boundary) */
  snapshots: ReadonlyMap<string, readonly SnapshotBlock[]>;
}

export type DiskPaxosInvariant = 'Nontrivial' | 'Consistent' | 'NoRegression' | 'Snapshot';

export interface DiskPaxosViolation {
  invariant: DiskPaxosInvariant;
  instance: number;
  message: string;
  evidence: string[];
}

const older = (a: Block, b: Block): boolean => a.mbal < b.mbal || (a.mbal === b.mbal && a.bal < b.bal);
const show = (b: Block): string => `{mbal ${b.mbal}, bal ${b.bal}, inp ${b.inp}}`;
/** a commit's ballot, when its record knows it (a decide event in the history does not) */
const ballot = (b: number): string => (b > 0 ? ` (ballot ${b})` : '');

/** which of processor p's incarnations was running at time t (0 until its first restart) */
export function incarnationAt(incarnations: ReadonlyMap<number, readonly number[]> | undefined, p: number, t: number): number {
  const starts = incarnations?.get(p) ?? [0];
  let k = 0;
  while (k + 1 < starts.length && starts[k + 1]! <= t) k++;
  return k;
}

export function checkDiskPaxos(r: DiskPaxosRecords): DiskPaxosViolation[] {
  const out: DiskPaxosViolation[] = [];
  const majority = Math.floor(r.disks / 2) + 1;

  const inputs = new Set(r.inputs.map((i) => `${i.instance}:${i.value}`));
  // the block writes behind a commit: the committer's phase-2 writes (bal = mbal) of its value
  const phase2 = (c: DiskPaxosRecords['commits'][number]): string[] => {
    const ws = r.writes.filter((w) => w.owner === c.processor && w.instance === c.instance && w.block.inp === c.value && w.block.bal > 0 && w.block.bal === w.block.mbal);
    const top = Math.max(0, ...ws.map((w) => w.block.bal));
    return ws.filter((w) => w.block.bal === top).map((w) => w.source);
  };
  const first = new Map<number, DiskPaxosRecords['commits'][number]>();
  for (const c of r.commits) {
    if (!inputs.has(`${c.instance}:${c.value}`)) out.push({ invariant: 'Nontrivial', instance: c.instance, message: `Slot ${c.instance}: processor ${c.processor} committed ${c.value}, which was no processor's input.`, evidence: [c.source] });
    const f = first.get(c.instance);
    if (!f) first.set(c.instance, c);
    else if (f.value !== c.value) out.push({ invariant: 'Consistent', instance: c.instance, message: `Slot ${c.instance} was committed twice: ${f.value} by processor ${f.processor}${ballot(f.ballot)} and ${c.value} by processor ${c.processor}${ballot(c.ballot)}.`, evidence: [f.source, ...phase2(f), c.source, ...phase2(c)] });
  }

  // NoRegression: the acknowledged writes of each (owner, disk, slot), by completion time
  const acked = new Map<string, DiskWrite[]>();
  for (const w of r.writes) {
    if (w.acked === undefined) continue;
    const k = `${w.owner}/${w.disk}/${w.instance}`;
    (acked.get(k) ?? acked.set(k, []).get(k)!).push(w);
  }
  for (const l of acked.values()) l.sort((a, b) => a.acked! - b.acked!);
  for (const rd of r.reads) {
    const l = acked.get(`${rd.owner}/${rd.disk}/${rd.instance}`);
    if (!l) continue;
    // a read that spans the owner's restart may see the new incarnation's write, whose mbal is
    // only above the bal it recovered: that is no regression within one incarnation
    const inc = incarnationAt(r.incarnations, rd.owner, rd.invoked);
    if (incarnationAt(r.incarnations, rd.owner, rd.completed) !== inc) continue;
    let last: DiskWrite | undefined;
    for (const w of l) if (w.acked! < rd.invoked && w.incarnation === inc) last = w;
    if (last && older(rd.block, last.block)) {
      out.push({ invariant: 'NoRegression', instance: rd.instance, message: `Slot ${rd.instance}, disk ${rd.disk}: a read of processor ${rd.owner}'s block returned ${show(rd.block)}, older than its acknowledged write ${show(last.block)}.`, evidence: [last.source, rd.source] });
    }
  }

  for (const [label, blocks] of r.snapshots) {
    // a disk with no block of (owner, slot) in the snapshot (its memory died with its node, or a
    // boundary snapshot caught the block mid-write) is unknown: it may count toward the majority
    const mbals = new Map<string, number[]>();
    for (const s of blocks) (mbals.get(`${s.owner}/${s.instance}`) ?? mbals.set(`${s.owner}/${s.instance}`, []).get(`${s.owner}/${s.instance}`)!).push(s.block.mbal);
    for (const s of blocks) {
      const b = s.block;
      const at = `${label}: disk ${s.disk}, slot ${s.instance}, processor ${s.owner}'s block ${show(b)}`;
      const bad = (why: string): void => void out.push({ invariant: 'Snapshot', instance: s.instance, message: `${at}: ${why}.`, evidence: [s.source ?? `snapshot ${label}`] });
      if (b.mbal < b.bal) bad('mbal is below bal');
      if ((b.bal === 0) !== (b.inp === 0)) bad(b.bal === 0 ? 'a value without a ballot' : 'a ballot without a value');
      const mine = (x: number): boolean => x === 0 || x % r.processors === s.owner % r.processors;
      if (!mine(b.mbal) || !mine(b.bal)) bad(`a ballot that is not processor ${s.owner}'s`);
      if (b.bal > 0 && mbals.get(`${s.owner}/${s.instance}`)!.filter((m) => m >= b.bal).length + r.disks - mbals.get(`${s.owner}/${s.instance}`)!.length < majority) bad(`bal ${b.bal} is above mbal on a majority of disks`);
    }
  }
  return out;
}
