// The timeline's embedded data. Up to `detailMax` ops every op is embedded; beyond it each
// lane is aggregated into buckets of ok/fail/info counts, and only the neighbourhood of each
// violation keeps its ops in full, so a 1M-op run stays a few MB while its violations stay exact.
import { healed, type FaultWindow, type Operation, type TimeBase } from '../../harness/core';
import { shortJson } from '../escape';
import { assignLanes, type Lane } from './lanes';

export interface TimelineOptions {
  /** above this many ops, aggregate (default 25,000) */
  detailMax?: number;
  /** buckets per lane when aggregated (default 1,500) */
  buckets?: number;
  /** ops kept in full around one violation (default 3,000) */
  contextMax?: number;
}

/** Columnar op list: times are µs from t0, status 0 ok / 1 fail / 2 info. */
export interface OpColumns {
  id: number[];
  lane: number[];
  s: number[];
  e: number[];
  st: number[];
  txt: string[];
}

export interface TimelineData {
  unit: 'ns' | 'rank';
  /** run span in µs (ranks when untimed) */
  span: number;
  /** one per client slot: processes of a node and workload that never overlap share one */
  lanes: Lane[];
  /** `status`/`evidence`: did it take effect (results.json's confirmation), shown on its band */
  faults: { id: string; kind: string; targets: string[]; s: number; e: number; open: boolean; lanes: number[]; status?: string; evidence?: string }[];
  mode: 'detail' | 'aggregate';
  ops: number;
  detail?: OpColumns;
  agg?: { buckets: number; ok: number[][]; fail: number[][]; info: number[][] };
  /** full-detail windows around violations (aggregate mode) */
  contexts: { s: number; e: number; ops: OpColumns }[];
  /** violation -> op ids; every such op's geometry is in `hl` */
  violations: { label: string; ops: number[] }[];
  hl: OpColumns;
}

const STATUS = { ok: 0, fail: 1, info: 2 } as const;

export function opText(op: Operation): string {
  const key = op.key !== undefined ? `[${shortJson(op.key, 24)}]` : '';
  const val = op.value !== undefined ? ' ' + shortJson(op.value, 40) : '';
  const res = op.status === 'ok' ? (op.result !== undefined ? ' → ' + shortJson(op.result, 40) : ' ok') : ` ${op.status}${op.error ? ' ' + shortJson(op.error, 40) : ''}`;
  return `#${op.id} p${op.process}${op.node ? '@' + shortJson(op.node, 24) : ''} ${op.f}${key}${val}${res}`;
}

function cols(): OpColumns {
  return { id: [], lane: [], s: [], e: [], st: [], txt: [] };
}

/** `workloadOf(i)`: the workload of op i (processes of two workloads never share a lane) */
export function buildTimeline(ops: readonly Operation[], faults: readonly FaultWindow[], tb: TimeBase, violations: { label: string; ops: number[] }[], o: TimelineOptions = {}, workloadOf?: (i: number) => string): TimelineData {
  const scale = tb.timed ? 1e-3 : 1;
  const rel = (t: number): number => Math.round((t - tb.t0) * scale * 10) / 10;
  const { lanes, laneOf } = assignLanes(ops, tb, workloadOf);
  const push = (c: OpColumns, i: number): void => {
    const op = ops[i]!;
    c.id.push(i);
    c.lane.push(laneOf.get(op.process)!);
    c.s.push(rel(tb.start[i]!));
    c.e.push(rel(tb.end[i]!));
    c.st.push(STATUS[op.status]);
    c.txt.push(opText(op));
  };
  const data: TimelineData = {
    unit: tb.timed ? 'ns' : 'rank',
    span: rel(tb.t1),
    lanes,
    faults: faults.map((w) => ({
      id: w.id,
      kind: w.kind,
      targets: w.targets,
      s: rel(tb.faultStart(w)),
      e: rel(tb.faultStop(w)),
      open: !healed(w),
      lanes: lanes.flatMap((l, i) => (w.targets.includes(l.node) ? [i] : [])),
    })),
    mode: ops.length > (o.detailMax ?? 25_000) ? 'aggregate' : 'detail',
    ops: ops.length,
    contexts: [],
    violations,
    hl: cols(),
  };
  const hlIds = [...new Set(violations.flatMap((v) => v.ops))].filter((id) => id >= 0 && id < ops.length).sort((a, b) => a - b);
  for (const id of hlIds) push(data.hl, id);
  if (data.mode === 'detail') {
    const d = cols();
    for (let i = 0; i < ops.length; i++) push(d, i);
    data.detail = d;
    return data;
  }
  data.agg = aggregate(ops, tb, laneOf, lanes.length, o.buckets ?? 1500);
  data.contexts = violations.slice(0, 20).map((v) => context(v.ops, tb, o.contextMax ?? 3000, push, rel, ops.length));
  return data;
}

function aggregate(ops: readonly Operation[], tb: TimeBase, laneOf: Map<number, number>, nLanes: number, buckets: number): NonNullable<TimelineData['agg']> {
  const mk = (): number[][] => Array.from({ length: nLanes }, () => new Array<number>(buckets).fill(0));
  const agg = { buckets, ok: mk(), fail: mk(), info: mk() };
  const width = (tb.t1 - tb.t0) / buckets;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const b = Math.min(buckets - 1, Math.max(0, Math.floor((tb.start[i]! - tb.t0) / width)));
    agg[op.status][laneOf.get(op.process)!]![b]!++;
  }
  return agg;
}

/** every op overlapping the violation's span, padded, shrinking the padding to stay under `max` */
function context(ids: number[], tb: TimeBase, max: number, push: (c: OpColumns, i: number) => void, rel: (t: number) => number, n: number): TimelineData['contexts'][number] {
  const valid = ids.filter((id) => id >= 0 && id < n);
  if (valid.length === 0) return { s: 0, e: 0, ops: cols() };
  const lo = Math.min(...valid.map((i) => tb.start[i]!));
  const hi = Math.max(...valid.map((i) => tb.end[i]!));
  // start wide (a second of neighbours) and halve until the window holds at most `max` ops
  let pad = Math.max(hi - lo, tb.timed ? 1e9 : 500);
  let picked: number[] = [];
  for (let tries = 0; tries < 12; tries++) {
    picked = [];
    const a = lo - pad;
    const b = hi + pad;
    for (let i = 0; i < n && picked.length <= max; i++) if (tb.end[i]! >= a && tb.start[i]! <= b) picked.push(i);
    if (picked.length <= max) break;
    pad /= 2;
  }
  const c = cols();
  for (const i of picked.slice(0, max)) push(c, i);
  for (const i of valid) if (!picked.includes(i)) push(c, i);
  return { s: rel(lo - pad), e: rel(hi + pad), ops: c };
}
