// Generated single-key histories, as a nightly campaign with `keys: 1` writes them: P processes
// hammer one counter, register, CAS register or kv key back to back. Each op takes effect at a
// random point of its interval (the object is simulated in that order, so results are real);
// a share of ops end `info` and took effect (possibly after their completion was recorded, as a
// re-posted RDMA op does) or not, at random. Events are written as the controller writes them:
// an op's invoke and completion together once it completed, times widened by a clock slack, so
// the file is not in time order. `plant` adds one violation: an FADD that returns another's old
// value (duplicate), or a read / CAS / get that returns a value overwritten long before (stale).
import * as fs from 'node:fs';
import { mulberry32 } from '../../core';

export const SCALE_KINDS = ['counter', 'counter-mixed', 'register', 'cas-register', 'kv'] as const;
export type ScaleKind = (typeof SCALE_KINDS)[number];

export interface ScaleSpec {
  kind: ScaleKind;
  ops: number;
  /** default 16 */
  processes?: number;
  /** share of ops that end info; default 0.001 */
  info?: number;
  seed?: number;
  plant?: 'duplicate' | 'stale';
  /** widening of each interval at both ends, ns (the controller's clock slack); default 0 */
  slackNs?: number;
  /** a final read of the key after every op (the run's snapshot); default true */
  final?: boolean;
}

type Kind = 'fadd' | 'read' | 'write' | 'cas' | 'put' | 'get' | 'append';
const KEY = 'k@0';

interface Sim {
  n: number;
  proc: Int32Array;
  call: Float64Array;
  ret: Float64Array;
  /** when it took effect; NaN: never (an info op that did not) */
  at: Float64Array;
  info: Uint8Array;
  kind: Kind[];
  arg: (number | string | [number, number])[];
  result: (number | string | undefined)[];
  /** the object's value after every effect (the final snapshot) */
  final: number | string;
}

/** the ops, simulated: results from applying them in the order they took effect */
export function simulate(s: ScaleSpec): Sim {
  const P = s.processes ?? 16;
  const n = s.ops;
  const rng = mulberry32(s.seed ?? 1);
  const exp = (mean: number): number => -Math.log(1 - rng()) * mean;
  const sim: Sim = { n, proc: new Int32Array(n), call: new Float64Array(n), ret: new Float64Array(n), at: new Float64Array(n), info: new Uint8Array(n), kind: new Array<Kind>(n), arg: new Array(n), result: new Array(n), final: 0 };
  // processes take turns by time: always the one whose next invoke is soonest
  const next = Float64Array.from({ length: P }, () => exp(2000));
  const seq = new Int32Array(P);
  for (let i = 0; i < n; i++) {
    let p = 0;
    for (let q = 1; q < P; q++) if (next[q]! < next[p]!) p = q;
    const call = Math.round(next[p]!);
    const ret = call + 1000 + Math.round(exp(6000));
    sim.proc[i] = p;
    sim.call[i] = call;
    sim.ret[i] = ret;
    const info = rng() < (s.info ?? 0.001);
    sim.info[i] = info ? 1 : 0;
    // an info op took effect or not; one that did may land after its completion was recorded
    sim.at[i] = !info ? call + rng() * (ret - call) : rng() < 0.5 ? call + rng() * (ret - call + 20_000) : NaN;
    next[p] = ret + exp(1000);
    pickOp(s.kind, sim, i, p, seq[p]++, rng);
  }
  applyInOrder(s, sim);
  return sim;
}

function pickOp(kind: ScaleKind, sim: Sim, i: number, p: number, j: number, rng: () => number): void {
  const tag = (p + 1) * 2 ** 32 + j + 1; // unique per (process, op), like the workloads' tags
  const r = rng();
  const set = (k: Kind, a: Sim['arg'][number]): void => {
    sim.kind[i] = k;
    sim.arg[i] = a;
  };
  switch (kind) {
    case 'counter':
      return set('fadd', 1);
    case 'counter-mixed':
      return r < 0.05 ? set('read', 0) : set('fadd', 1 + Math.floor(rng() * 8));
    case 'register':
      return r < 0.5 ? set('read', 0) : set('write', tag);
    case 'cas-register':
      // the expected value is filled in by the simulation (what this process saw last)
      return r < 0.3 ? set('read', 0) : r < 0.45 ? set('write', tag) : set('cas', [0, tag]);
    case 'kv':
      return r < 0.45 ? set('get', 0) : r < 0.9 ? set('put', `v${tag}`) : set('append', 'x');
  }
}

function applyInOrder(s: ScaleSpec, sim: Sim): void {
  const order = Array.from({ length: sim.n }, (_, i) => i).filter((i) => !Number.isNaN(sim.at[i]!));
  order.sort((a, b) => sim.at[a]! - sim.at[b]!);
  let state: number | string = s.kind === 'kv' ? '' : 0;
  // cas-register: each process CASes from the value it last saw (the workload's chaining)
  const seen = new Map<number, number>();
  const casFrom = new Map<number, number>();
  for (let i = 0; i < sim.n; i++) {
    if (sim.kind[i] === 'cas') {
      const from = seen.get(sim.proc[i]!) ?? 0;
      casFrom.set(i, from);
      const a = sim.arg[i] as [number, number];
      sim.arg[i] = [from, a[1]];
      // a process learns the value from its own earlier ops' results in program order: an
      // approximation (the real generator sees only completed slices), good enough for a mix
      seen.set(sim.proc[i]!, a[1]);
    }
  }
  for (const i of order) {
    const k = sim.kind[i]!;
    const a = sim.arg[i]!;
    const old = state;
    if (k === 'fadd') state = (state as number) + (a as number);
    else if (k === 'write' || k === 'put') state = a as number | string;
    else if (k === 'append') state = (state as string) + (a as string);
    else if (k === 'cas') {
      const [from, to] = a as [number, number];
      if (state === from) state = to;
    }
    if (k !== 'write' && k !== 'put' && k !== 'append') sim.result[i] = old;
  }
  sim.final = state;
  if (s.plant) plant(s, sim, order);
}

/** one violation in the middle of the history */
function plant(s: ScaleSpec, sim: Sim, order: number[]): void {
  const mid = Math.floor(order.length / 2);
  const isOk = (i: number): boolean => sim.info[i] === 0;
  if (s.plant === 'duplicate') {
    // an ok FADD reports the old value of the ok FADD that took effect just before it
    let a = -1;
    for (let k = mid; k < order.length; k++) {
      const i = order[k]!;
      if (sim.kind[i] !== 'fadd' || !isOk(i)) continue;
      if (a >= 0) {
        sim.result[i] = sim.result[a];
        return;
      }
      a = i;
    }
    throw new Error('no FADD to plant a duplicate on');
  }
  // stale: an ok reader in the middle reports a value written 200 effects earlier, overwritten
  // by an ok write that completed before the reader was invoked
  const writes = (i: number): boolean => sim.kind[i] === 'write' || sim.kind[i] === 'put' || (sim.kind[i] === 'cas' && sim.result[i] === (sim.arg[i] as [number, number])[0]) || sim.kind[i] === 'fadd';
  for (let k = mid; k < order.length; k++) {
    const r = order[k]!;
    const reads = sim.kind[r] === 'read' || sim.kind[r] === 'get' || sim.kind[r] === 'cas';
    if (!reads || !isOk(r) || k < 400) continue;
    const w = order.slice(k - 400, k - 200).find((i) => isOk(i) && writes(i) && sim.kind[i] !== 'append' && sim.ret[i]! < sim.call[r]! - 50_000);
    if (w === undefined) continue;
    const value = sim.kind[w] === 'cas' ? (sim.arg[w] as [number, number])[1] : sim.kind[w] === 'fadd' ? (sim.result[w] as number) + (sim.arg[w] as number) : (sim.arg[w] as number | string);
    if (value === sim.result[r]) continue;
    sim.result[r] = value;
    return;
  }
  throw new Error('no reader to plant a stale value on');
}

function eventLines(s: ScaleSpec, sim: Sim, i: number, wr: number): string {
  const slack = s.slackNs ?? 0;
  const k = sim.kind[i]!;
  const a = sim.arg[i]!;
  const value = k === 'read' || k === 'get' ? '' : `,"value":${JSON.stringify(a)}`;
  const p = sim.proc[i]!;
  const base = `"process":${p},"f":"${k}","node":"node${2 + (p % 2)}","key":"${KEY}"${value}`;
  const rdma = `"rdma":{"rail":0,"qpn":${17 + (p % 2)},"epoch":0,"wrId":${wr},"psn":[${wr & 0xffffff},${wr & 0xffffff}]}`;
  const inv = `{"type":"invoke",${base},"time":${Math.max(0, sim.call[i]! - slack)},${rdma}}\n`;
  if (sim.info[i]) return inv + `{"type":"info",${base},"error":"IBV_WC_RETRY_EXC_ERR","time":${sim.ret[i]! + slack},${rdma}}\n`;
  const res = sim.result[i] === undefined ? '' : `,"result":${JSON.stringify(sim.result[i])}`;
  return inv + `{"type":"ok",${base}${res},"time":${sim.ret[i]! + slack},${rdma}}\n`;
}

/** writes the history as JSON Lines, in completion order (as the controller records it) */
export function writeSingleKeyHistory(file: string, s: ScaleSpec): { ops: number; bytes: number } {
  const sim = simulate(s);
  const byRet = Array.from({ length: sim.n }, (_, i) => i).sort((a, b) => sim.ret[a]! - sim.ret[b]!);
  const fd = fs.openSync(file, 'w');
  let buf = '';
  let bytes = 0;
  const flush = (): void => {
    fs.writeSync(fd, buf);
    bytes += Buffer.byteLength(buf);
    buf = '';
  };
  byRet.forEach((i, wr) => {
    buf += eventLines(s, sim, i, wr);
    if (buf.length > 1 << 20) flush();
  });
  if (s.final ?? true) {
    let last = 0;
    for (let i = 0; i < sim.n; i++) last = Math.max(last, sim.ret[i]!, Number.isNaN(sim.at[i]!) ? 0 : sim.at[i]!);
    const t = last + 100_000 + (s.slackNs ?? 0);
    const f = s.kind === 'kv' ? 'get' : 'read';
    buf += `{"type":"invoke","process":${s.processes ?? 16},"f":"${f}","key":"${KEY}","time":${t}}\n{"type":"ok","process":${s.processes ?? 16},"f":"${f}","key":"${KEY}","result":${JSON.stringify(sim.final)},"final":true,"time":${t + 10_000}}\n`;
  }
  flush();
  fs.closeSync(fd);
  return { ops: sim.n + (s.final ?? true ? 1 : 0), bytes };
}
