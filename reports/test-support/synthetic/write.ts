// Writes a synthetic run's files in the run store layout: history.jsonl in time order (as the
// controller writes it), counters.jsonl samples, campaign.yaml and logs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HistoryEvent } from '../../../harness/core';
import type { RunCounterSample } from '../../../harness/core';
import { Rng } from './random';
import type { SimFault, SimOp } from './types';

/** Every event in time order; at equal times invocations first, as loadOps expects. */
export function writeHistory(file: string, ops: readonly SimOp[], faults: readonly SimFault[]): void {
  // event e < 2*ops.length: op e>>1, completion if odd; beyond: nemesis events
  const nem: { time: number; e: HistoryEvent }[] = [];
  for (const f of faults) {
    const fault = { id: f.id, kind: f.kind, targets: f.targets, ...(f.params ? { params: f.params } : {}) };
    nem.push({ time: f.invoke, e: { type: 'invoke', process: 'nemesis', f: 'start', fault, time: f.invoke } });
    nem.push({ time: f.start, e: { type: 'ok', process: 'nemesis', f: 'start', fault, time: f.start } });
    if (f.stop !== undefined) {
      nem.push({ time: f.stopInvoke!, e: { type: 'invoke', process: 'nemesis', f: 'stop', fault, time: f.stopInvoke! } });
      nem.push({ time: f.stop, e: { type: 'ok', process: 'nemesis', f: 'stop', fault, time: f.stop } });
    }
  }
  const nOps = ops.length;
  const total = 2 * nOps + nem.length;
  const time = new Float64Array(total);
  const completion = new Uint8Array(total);
  let live = 0;
  const idx = new Uint32Array(total);
  for (let i = 0; i < nOps; i++) {
    const op = ops[i]!;
    time[2 * i] = op.call;
    idx[live++] = 2 * i;
    if (op.ret !== undefined) {
      time[2 * i + 1] = op.ret;
      completion[2 * i + 1] = 1;
      idx[live++] = 2 * i + 1;
    }
  }
  nem.forEach((n, k) => {
    time[2 * nOps + k] = n.time;
    completion[2 * nOps + k] = n.e.type === 'invoke' ? 0 : 1;
    idx[live++] = 2 * nOps + k;
  });
  const order = idx.subarray(0, live).sort((a, b) => time[a]! - time[b]! || completion[a]! - completion[b]! || a - b);
  const fd = fs.openSync(file, 'w');
  let buf = '';
  for (const e of order) {
    buf += JSON.stringify(e >= 2 * nOps ? nem[e - 2 * nOps]!.e : event(ops[e >> 1]!, (e & 1) === 1)) + '\n';
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
}

function event(op: SimOp, done: boolean): HistoryEvent {
  const e: HistoryEvent = { type: done ? op.status : 'invoke', process: op.process, f: op.f, node: op.node, key: op.key };
  if (op.value !== undefined) e.value = op.value;
  if (done && op.result !== undefined && op.status === 'ok') e.result = op.result;
  if (done && op.error !== undefined) e.error = op.error;
  e.time = done ? op.ret! : op.call;
  if (done && op.rdma) e.rdma = op.rdma;
  if (op.final) e.final = true;
  return e;
}

const COUNTERS = ['sent_pkts', 'rcvd_pkts', 'duplicate_request', 'out_of_seq_request', 'retry_exceeded_err', 'rnr_nak_retry_err', 'local_ack_timeout_err', 'seq_err_naks_rcvd', 'link_downed', 'ack_deferred'];

/** rxe hw_counters samples: traffic all along, transport errors where faults bite. */
export function writeCounters(file: string, nodes: readonly string[], faults: readonly SimFault[], t0: number, t1: number, rate: number, rng: Rng): void {
  const step = Math.min(1e9, Math.max(50e6, (t1 - t0) / 40));
  const state = new Map<string, Record<string, number>>();
  const lines: string[] = [];
  // a grid plus every fault boundary, as the run loop samples at fault start and stop
  const times: number[] = [];
  for (let t = t0 - step; t <= t1 + step; t += step) times.push(t);
  for (const f of faults) times.push(f.start, ...(f.stop !== undefined ? [f.stop] : []));
  times.sort((a, b) => a - b);
  // one sample per instant: a fault boundary can fall on the grid
  const uniq = times.filter((t, i) => i === 0 || Math.round(t / 1e6) !== Math.round(times[i - 1]! / 1e6));
  times.length = 0;
  times.push(...uniq);
  let prev = times[0]! - step;
  for (const t of times) {
    const dt = t - prev;
    for (const node of nodes) {
      for (const device of ['rxe0', 'rxe1']) {
        const k = `${node}/${device}`;
        const c = state.get(k) ?? Object.fromEntries(COUNTERS.map((n) => [n, 0]));
        const failedOver = faults.some((f) => /failover/.test(f.kind) && f.targets.includes(node) && t >= f.start);
        const carrying = device === (failedOver ? 'rxe1' : 'rxe0');
        const pkts = carrying ? Math.round((rate * dt) / 1e9 / nodes.length * (0.9 + 0.2 * rng.next())) : 0;
        c.sent_pkts! += pkts;
        c.rcvd_pkts! += pkts;
        for (const f of faults) {
          const on = t > f.start && prev < (f.stop ?? Infinity);
          if (!on) continue;
          const target = f.targets.includes(node);
          if (/ack-loss/.test(f.kind) && carrying) {
            if (target) c.duplicate_request! += 1 + rng.int(Math.ceil((40 * dt) / step));
            else [c.local_ack_timeout_err, c.retry_exceeded_err] = [c.local_ack_timeout_err! + rng.int(30), c.retry_exceeded_err! + rng.int(3)];
          } else if (/failover/.test(f.kind) && target && device === 'rxe0' && prev <= f.start) c.link_downed! += 1;
          else if (/packet-loss/.test(f.kind) && target && carrying) [c.out_of_seq_request, c.seq_err_naks_rcvd] = [c.out_of_seq_request! + rng.int(25), c.seq_err_naks_rcvd! + rng.int(10)];
        }
        state.set(k, c);
        const s: RunCounterSample = { time: Math.round(t), node, device, counters: { ...c } };
        lines.push(JSON.stringify(s));
      }
    }
    prev = t;
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

export function writeCampaign(file: string, o: { campaign: string; seed: number; nodes: readonly string[]; ops: number; rate: number; policy: string; faults: readonly SimFault[]; durationS: number }): void {
  const q = (s: string): string => JSON.stringify(s);
  const lines = [
    '# the campaign as run, seed resolved (synthetic)',
    `name: ${q(o.campaign)}`,
    `seed: ${o.seed}`,
    'cluster:',
    '  driver: local',
    `  nodes: [${o.nodes.map(q).join(', ')}]`,
    '  rails: 2',
    `policy: ${o.policy}`,
    'workloads:',
    ...['counter', 'cas-register', 'register', 'send-stream'].map((w) => `  - { name: ${w}, rate: ${Math.round(o.rate / 4)} }`),
    `duration: ${o.durationS.toFixed(1)}s`,
    'faults:',
    ...o.faults.map((f) => `  - { id: ${q(f.id)}, kind: ${q(f.kind)}, targets: [${f.targets.map(q).join(', ')}] }`),
    'checks: [at-most-once, linearizable, stream]',
  ];
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

export function writeLogs(dir: string, nodes: readonly string[], consoleExtra: Map<string, string>): void {
  fs.mkdirSync(path.join(dir, 'agents'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'consoles'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'controller.log'), 'synthetic run: no controller\n');
  nodes.forEach((n, i) => {
    const safe = `node${i + 1}`;
    fs.writeFileSync(path.join(dir, 'agents', `${safe}.log`), `agent on ${n}: started\n`);
    fs.writeFileSync(path.join(dir, 'consoles', `${safe}.log`), `[    0.000000] Linux version 6.1.0 (synthetic console of ${n})\n${consoleExtra.get(n) ?? ''}`);
  });
}
