// Timeline lanes: hundreds of one-op processes of one client node fill only as many lanes as
// ops were open at once; processes share a lane only when they never overlap and run on one
// node for one workload; the aggregated timeline (big histories) uses the same lanes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadOps, timeBase, type Operation } from '../../harness/core';
import { assignLanes, buildTimeline } from '.';
import { maxConcurrency, writeOneOpRun } from '../test-support';

function op(id: number, process: number, node: string, key: string, s: number, e: number): Operation {
  return { id, process, f: 'write', key, node, status: 'ok', call: id * 2, ret: id * 2 + 1, callTime: s, retTime: e };
}

/** every process in exactly one lane; in a lane, one node, one workload, no two processes at once */
function expectSound(ops: readonly Operation[], lanes: ReturnType<typeof assignLanes>['lanes'], workloadOf: (i: number) => string = () => ''): void {
  const tb = timeBase(ops, []);
  const span = new Map<number, { s: number; e: number; node: string; w: Set<string> }>();
  ops.forEach((o, i) => {
    const x = span.get(o.process) ?? { s: Infinity, e: -Infinity, node: o.node ?? '', w: new Set<string>() };
    [x.s, x.e] = [Math.min(x.s, tb.start[i]!), Math.max(x.e, tb.end[i]!)];
    x.w.add(workloadOf(i));
    span.set(o.process, x);
  });
  expect(lanes.flatMap((l) => l.procs).sort((a, b) => a - b)).toEqual([...span.keys()].sort((a, b) => a - b));
  for (const l of lanes) {
    const xs = l.procs.map((p) => span.get(p)!).sort((a, b) => a.s - b.s);
    expect(new Set(xs.map((x) => x.node)).size).toBe(1);
    expect(new Set(xs.map((x) => [...x.w].sort().join('+'))).size).toBe(1);
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1]!.e).toBeLessThan(xs[i]!.s);
  }
}

let tmp: string;
let ops: Operation[];
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-lanes-'));
  writeOneOpRun({ dir: tmp, slots: 4, perSlot: 150 });
  ops = loadOps(path.join(tmp, 'history.jsonl'), 'native').ops;
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('600 one-op processes of 4 clients on one node: as many lanes as ops open at once, each naming its processes', () => {
  const tb = timeBase(ops, []);
  const processes = new Set(ops.map((o) => o.process)).size;
  expect(processes).toBe(600);
  const concurrency = maxConcurrency(ops.map((_, i) => ({ s: tb.start[i]!, e: tb.end[i]! })));
  expect(concurrency).toBe(4);
  const { lanes } = assignLanes(ops, tb);
  expect(lanes.length).toBe(concurrency);
  expectSound(ops, lanes);
  for (const l of lanes) expect(l.label).toBe(`p${l.procs[0]} +${l.procs.length - 1} more`);
});

test('another node or another workload never shares a lane, even when it would fit', () => {
  const seq = [op(0, 1, 'node1', 'a@0', 0, 10), op(1, 2, 'node2', 'a@0', 20, 30), op(2, 3, 'node1', 'b@0', 40, 50), op(3, 4, 'node1', 'a@1', 60, 70)];
  const workloadOf = (i: number): string => String(seq[i]!.key).split('@')[0]!;
  const { lanes } = assignLanes(seq, timeBase(seq, []), workloadOf);
  expect(lanes.map((l) => [l.node, l.workload, l.procs])).toEqual([
    ['node1', 'a', [1, 4]],
    ['node2', 'a', [2]],
    ['node1', 'b', [3]],
  ]);
  expectSound(seq, lanes, workloadOf);
  // without workloads, p1, p3 and p4 of node1 follow one another: one lane
  expect(assignLanes(seq, timeBase(seq, [])).lanes.map((l) => l.procs)).toEqual([[1, 3, 4], [2]]);
});

test('overlapping long-lived processes keep a lane each, in process order', () => {
  const long = [op(0, 3, 'n', 'k', 0, 100), op(1, 1, 'n', 'k', 5, 90), op(2, 2, 'n', 'k', 50, 60), op(3, 2, 'n', 'k', 70, 200)];
  const { lanes, laneOf } = assignLanes(long, timeBase(long, []));
  expect(lanes.map((l) => l.label)).toEqual(['p1', 'p2', 'p3']);
  expect([...laneOf.entries()].sort()).toEqual([[1, 0], [2, 1], [3, 2]]);
});

test('the aggregated timeline (--detail-max) draws the same lanes, every op counted once', () => {
  const tb = timeBase(ops, []);
  const detail = buildTimeline(ops, [], tb, [{ label: 'v', ops: [5, 17] }]);
  const agg = buildTimeline(ops, [], tb, [{ label: 'v', ops: [5, 17] }], { detailMax: 100, buckets: 50 });
  expect(detail.mode).toBe('detail');
  expect(agg.mode).toBe('aggregate');
  expect(agg.lanes).toEqual(detail.lanes);
  expect(agg.agg!.ok).toHaveLength(agg.lanes.length);
  const total = (['ok', 'fail', 'info'] as const).reduce((n, k) => n + agg.agg![k].flat().reduce((a, b) => a + b, 0), 0);
  expect(total).toBe(ops.length);
  // highlighted ops and the context windows sit in existing lanes
  for (const l of [...agg.hl.lane, ...agg.contexts.flatMap((c) => c.ops.lane)]) expect(l).toBeLessThan(agg.lanes.length);
  expect(new Set(detail.detail!.lane).size).toBe(detail.lanes.length);
});
