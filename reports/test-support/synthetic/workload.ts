// The background workload of a synthetic run: correct behaviour, except what faults do to
// latency and outcomes. Ops are timed per process first, then given keys and values in call
// order, then executed per key in the order of their effect times, which yields their results.
import type { Json } from '../../../harness/core';
import { Rng } from './random';
import type { SimFault, SimOp, Workload } from './types';

export interface WorkloadPlan {
  ops: number;
  processes: number;
  nodes: string[];
  rate: number;
  t0: number;
  faults: SimFault[];
  /** key names may carry a payload (hostile runs) */
  registerKeys: string[];
  writeValue: (n: number) => Json;
  errorName: (base: string) => string;
}

const MS = 1e6;
const US = 1e3;
/** FADD deltas are powers of 4 so the final value decodes into execution counts; 4^25 < 2^53 */
export const FADDS_PER_KEY = 26;
const CAS_KEYS = 6;

function active(faults: readonly SimFault[], node: string, t: number): SimFault[] {
  return faults.filter((f) => f.targets.includes(node) && t >= f.start && t < (f.stop ?? Infinity));
}

/** One op's fate given the faults on its node: latency, status, error, rail/epoch. */
function fate(rng: Rng, faults: readonly SimFault[], node: string, call: number, plan: WorkloadPlan): Pick<SimOp, 'status' | 'error' | 'rdma'> & { lat: number } {
  let lat = rng.logNormal(150 * US, 0.45);
  let status: SimOp['status'] = 'ok';
  let error: string | undefined;
  const on = active(faults, node, call);
  const failedOver = faults.some((f) => /failover/.test(f.kind) && f.targets.includes(node) && call >= f.start);
  for (const f of on) {
    if (/ack-loss/.test(f.kind)) {
      lat *= 5 + rng.next() * 60;
      if (rng.chance(0.08)) [status, error, lat] = ['info', plan.errorName('IBV_WC_RETRY_EXC_ERR'), 57 * MS + rng.next() * 5 * MS];
    } else if (/failover/.test(f.kind)) {
      if (rng.chance(0.12)) [status, error] = ['fail', plan.errorName('IBV_WC_WR_FLUSH_ERR')];
      else if (rng.chance(0.08)) [status, error, lat] = ['info', plan.errorName('IBV_WC_RETRY_EXC_ERR'), 57 * MS + rng.next() * 5 * MS];
      else lat *= 2 + rng.next() * 4;
    } else if (/packet-loss/.test(f.kind)) {
      lat *= 2 + rng.next() * 10;
      if (rng.chance(0.03)) [status, error, lat] = ['info', plan.errorName('IBV_WC_RETRY_EXC_ERR'), 57 * MS];
    } else lat *= 3;
  }
  const r: Pick<SimOp, 'status' | 'error' | 'rdma'> & { lat: number } = { status, lat, rdma: { rail: failedOver ? 1 : 0, epoch: failedOver ? 1 : 0 } };
  if (error !== undefined) r.error = error;
  return r;
}

const MIX: Workload[] = ['counter', 'cas-register', 'register'];

export function backgroundOps(plan: WorkloadPlan, rng: Rng): SimOp[] {
  const ops: SimOp[] = [];
  const streamShare = Math.max(2, Math.floor(plan.ops * 0.1));
  const perProc = Math.ceil((plan.ops - streamShare) / plan.processes);
  const meanGap = (plan.processes + 1) / plan.rate * 1e9;
  for (let p = 0; p < plan.processes; p++) {
    const node = plan.nodes[p % plan.nodes.length]!;
    const workload = MIX[(p + Math.floor(p / plan.nodes.length)) % MIX.length]!;
    let t = plan.t0 + rng.exp(meanGap);
    let prev = -Infinity;
    for (let i = 0; i < perProc && ops.length < plan.ops - streamShare; i++) {
      // strictly after the previous completion: a process has one op in flight
      const call = Math.max(Math.round(t), prev + 1);
      const fo = fate(rng, plan.faults, node, call, plan);
      const ret = call + Math.max(1, Math.round(fo.lat));
      const op: SimOp = { process: p, node, f: 'read', key: '', status: fo.status, call, ret, lin: NaN, workload };
      if (fo.error !== undefined) op.error = fo.error;
      op.rdma = { ...fo.rdma, qpn: 17 + p, wrId: i };
      if (op.status === 'ok') op.lin = call + (ret - call) * (0.2 + 0.6 * rng.next());
      else if (op.status === 'info' && rng.chance(0.5)) op.lin = call + (ret - call) * 0.3 * rng.next();
      ops.push(op);
      prev = ret;
      t = ret + rng.exp(Math.max(meanGap - fo.lat, 10 * US));
    }
  }
  assignKeys(ops, plan, rng);
  ops.push(...streamOps(plan, rng, streamShare));
  return ops;
}

/** keys and op kinds in call order, so each counter key's 26 FADDs are close in time */
function assignKeys(ops: SimOp[], plan: WorkloadPlan, rng: Rng): void {
  const order = ops.map((_, i) => i).sort((a, b) => ops[a]!.call - ops[b]!.call);
  let fadds = 0;
  let writes = 0;
  for (const i of order) {
    const op = ops[i]!;
    if (op.workload === 'counter') {
      // one read in ten, on the current key
      if (rng.chance(0.1) && fadds > 0) {
        op.key = `c${Math.floor((fadds - 1) / FADDS_PER_KEY)}`;
      } else {
        op.f = 'fadd';
        op.key = `c${Math.floor(fadds / FADDS_PER_KEY)}`;
        op.value = 4 ** (fadds % FADDS_PER_KEY);
        fadds++;
      }
    } else if (op.workload === 'register') {
      op.key = rng.pick(plan.registerKeys);
      if (rng.chance(0.5)) [op.f, op.value] = ['write', plan.writeValue(writes++)];
    } else {
      op.key = `x${rng.int(CAS_KEYS)}`;
      const u = rng.next();
      if (u < 0.15) [op.f, op.value] = ['write', `x${writes++}`];
      else if (u < 0.75) op.f = 'cas';
    }
  }
}

/** SEND/RECV on one stream: every delivered message is received once, in order. */
function streamOps(plan: WorkloadPlan, rng: Rng, n: number): SimOp[] {
  const sender = plan.processes;
  const receiver = plan.processes + 1;
  const [sn, rn] = [plan.nodes[0]!, plan.nodes[1 % plan.nodes.length]!];
  const out: SimOp[] = [];
  // spread over the whole run, like the other workloads
  const meanGap = ((plan.ops / plan.rate) * 1e9) / (n / 2);
  let ts = plan.t0 + rng.exp(meanGap);
  let tr = plan.t0;
  let prevSend = -Infinity;
  for (let k = 0; k < n / 2; k++) {
    const call = Math.max(Math.round(ts), prevSend + 1);
    const fo = fate(rng, plan.faults, sn, call, plan);
    const ret = call + Math.max(1, Math.round(fo.lat));
    const msg = `m${k}`;
    const send: SimOp = { process: sender, node: sn, f: 'send', key: 'q0', value: msg, status: fo.status, call, ret, lin: NaN, workload: 'send-stream', rdma: { ...fo.rdma, qpn: 9 } };
    if (fo.error !== undefined) send.error = fo.error;
    out.push(send);
    prevSend = ret;
    ts = ret + rng.exp(meanGap);
    // an info send did reach the wire (the stream checker counts it as sent); a failed one did not
    if (send.status === 'fail') continue;
    send.lin = call + (ret - call) * 0.5;
    const rcall = Math.max(Math.round(Math.max(tr + rng.exp(20 * US), send.lin + 5 * US)), tr + 1);
    const rret = rcall + Math.round(rng.logNormal(80 * US, 0.3));
    out.push({ process: receiver, node: rn, f: 'recv', key: 'q0', status: 'ok', result: msg, call: rcall, ret: rret, lin: (rcall + rret) / 2, workload: 'send-stream', rdma: { qpn: 10 } });
    tr = rret;
  }
  return out;
}
