// Timeline lanes: one per client slot, not one per process id. A Jepsen-style client takes a
// new process id after each indeterminate op, so a run can have hundreds of one-op processes
// doing what a handful of clients did. Processes of one client node and workload that never
// overlap in time share a lane (greedy interval partitioning over start-sorted processes, which
// needs exactly as many lanes as the most processes open at once), so the lane count is bounded
// by concurrency. A lane is made from ops, so a process that did nothing gets none.
import type { Operation, TimeBase } from '../../harness/core';

export interface Lane {
  /** short, for the gutter: `p3`, `p3,p9`, or `p3 +199 more` (the tooltip lists them all) */
  label: string;
  node: string;
  /** the workload(s) of its processes' ops, as results.json names them ('' when not told) */
  workload: string;
  /** the processes drawn in it, in time order */
  procs: number[];
}

export interface LaneAssignment {
  lanes: Lane[];
  /** process id -> lane index */
  laneOf: Map<number, number>;
}

interface ProcSpan {
  proc: number;
  node: string;
  workloads: Set<string>;
  s: number;
  e: number;
}

export function laneLabel(procs: readonly number[]): string {
  if (procs.length <= 3) return procs.map((p) => `p${p}`).join(',');
  return `p${procs[0]} +${procs.length - 1} more`;
}

/** `workloadOf(i)`: the workload of op i, so one lane never mixes two workloads' processes */
export function assignLanes(ops: readonly Operation[], tb: TimeBase, workloadOf: (i: number) => string = () => ''): LaneAssignment {
  const spans = new Map<number, ProcSpan>();
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    let sp = spans.get(op.process);
    if (!sp) spans.set(op.process, (sp = { proc: op.process, node: op.node ?? '', workloads: new Set(), s: tb.start[i]!, e: tb.end[i]! }));
    else {
      sp.s = Math.min(sp.s, tb.start[i]!);
      sp.e = Math.max(sp.e, tb.end[i]!);
      if (sp.node === '' && op.node !== undefined) sp.node = op.node;
    }
    sp.workloads.add(workloadOf(i));
  }
  const groups = new Map<string, ProcSpan[]>();
  for (const sp of spans.values()) {
    const key = `${sp.node}\u0000${[...sp.workloads].sort().join('+')}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(sp);
  }
  // groups in order of their lowest process id: a run of long-lived processes keeps today's order
  const ordered = [...groups.values()].map((g) => g.sort((a, b) => a.s - b.s || a.proc - b.proc)).sort((a, b) => lowest(a.map((sp) => sp.proc)) - lowest(b.map((sp) => sp.proc)));
  const lanes: Lane[] = [];
  const laneOf = new Map<number, number>();
  for (const g of ordered) {
    const ends: number[] = [];
    const local: Lane[] = [];
    for (const sp of g) {
      // first fit: the lowest lane of the group whose last process ended before this one began
      let k = ends.findIndex((e) => e < sp.s);
      if (k < 0) {
        k = ends.length;
        ends.push(0);
        local.push({ label: '', node: sp.node, workload: [...sp.workloads].filter((w) => w !== '').sort().join('+'), procs: [] });
      }
      ends[k] = sp.e;
      local[k]!.procs.push(sp.proc);
    }
    // a group's lanes in process order, as one lane per process was drawn before
    for (const l of local.sort((a, b) => lowest(a.procs) - lowest(b.procs))) {
      l.label = laneLabel(l.procs);
      for (const p of l.procs) laneOf.set(p, lanes.length);
      lanes.push(l);
    }
  }
  return { lanes, laneOf };
}

/** no spread: a lane can hold more processes than a call takes arguments */
function lowest(procs: readonly number[]): number {
  return procs.reduce((m, p) => Math.min(m, p), Infinity);
}
