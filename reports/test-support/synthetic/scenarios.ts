// Planted violations: short scripted op sequences on keys of their own, each one the history a
// known failover failure leaves behind. Results are scripted too, so each is exactly the case.
import type { Json, RdmaMeta } from '../../../harness/core';
import type { Plant, SimOp } from './types';

const MS = 1e6;

export interface Scenario {
  ops: SimOp[];
  /** final snapshot reads to append: key -> value */
  finals: { key: string; value: Json }[];
  /** processes used (the next scenario starts after them) */
  processes: number;
}

interface Ctx {
  /** anchor: when the failover took effect (or mid-run without one) */
  at: number;
  proc: number;
  /** the failover target and another node */
  node: string;
  other: string;
}

type Step = [proc: number, f: SimOp['f'], value: Json | undefined, result: Json | undefined, call: number, ret: number, rdma?: RdmaMeta];

function script(c: Ctx, key: string, steps: Step[]): SimOp[] {
  return steps.map(([p, f, value, result, call, ret, rdma]) => {
    const op: SimOp = { process: c.proc + p, node: p === 0 ? c.node : c.other, f, key, status: 'ok', call: Math.round(c.at + call * MS), ret: Math.round(c.at + ret * MS), lin: NaN, workload: 'scenario' };
    if (value !== undefined) op.value = value;
    if (result !== undefined) op.result = result;
    if (rdma) op.rdma = rdma;
    return op;
  });
}

const REPOST: RdmaMeta = { rail: 1, epoch: 1, repost: true, qpn: 31 };
const MOVED: RdmaMeta = { rail: 1, epoch: 1, qpn: 32 };

export function scenario(kind: Plant, c: Ctx): Scenario {
  switch (kind) {
    case 'duplicateFadd':
      // +1 executes before the failover, its ACK is lost, the policy re-posts it on the backup
      // rail and it executes again: +4 sees 2, and the counter ends at 6
      return {
        ops: script(c, 'ctr-failover', [
          [0, 'fadd', 1, 0, -2, 30, REPOST],
          [1, 'fadd', 4, 2, 40, 41, MOVED],
        ]),
        finals: [{ key: 'ctr-failover', value: 6 }],
        processes: 2,
      };
    case 'casDoubleSuccess':
      // CAS A0->B1 executes, B1 is replaced, a third party resets to A0, the re-posted CAS
      // executes again and B1 is consumed a second time
      return {
        ops: script(c, 'cas-reset', [
          [1, 'write', 'A0', undefined, -60, -59],
          [0, 'cas', ['A0', 'B1'], 'A0', -2, 30, REPOST],
          [1, 'cas', ['B1', 'C2'], 'B1', 5, 6, MOVED],
          [2, 'write', 'A0', undefined, 10, 11],
          [1, 'cas', ['B1', 'D3'], 'B1', 40, 41, MOVED],
        ]),
        finals: [{ key: 'cas-reset', value: 'D3' }],
        processes: 3,
      };
    case 'queueSliding': {
      // message 3 is re-sent after its ACK was lost and delivered twice: every later receive
      // carries the previous message
      const steps: Step[] = [];
      for (let k = 1; k <= 5; k++) steps.push([0, 'send', `q${k}`, undefined, -10 + k * 4, -9 + k * 4, k === 3 ? REPOST : undefined]);
      ['q1', 'q2', 'q3', 'q3', 'q4', 'q5'].forEach((m, k) => steps.push([1, 'recv', undefined, m, 20 + k * 3, 21 + k * 3]));
      return { ops: script(c, 'q-failover', steps), finals: [], processes: 2 };
    }
    case 'staleWrite':
      // d1 completes through the backup rail; the receiver reads it and reuses the buffer for
      // d2; then d1's stale packet from the old rail lands over d2
      return {
        ops: script(c, 'buf-0', [
          [0, 'write', 'd1', undefined, -2, 8, REPOST],
          [1, 'read', undefined, 'd1', 10, 11],
          [1, 'write', 'd2', undefined, 12, 13],
          [1, 'read', undefined, 'd1', 30, 31],
        ]),
        finals: [],
        processes: 2,
      };
    case 'staleRead':
      // no fault involved: a read returns the value a completed write had already replaced
      return {
        ops: script(c, 'reg-stale', [
          [0, 'write', 's1', undefined, 0, 1],
          [0, 'write', 's2', undefined, 2, 3],
          [1, 'read', undefined, 's1', 5, 6],
        ]),
        finals: [],
        processes: 2,
      };
  }
}
