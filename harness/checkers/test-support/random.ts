// Random small histories for property tests: ops with random intervals and statuses.
import fc from 'fast-check';
import type { Json, OpF, OpStatus, Operation } from '../../core';

export interface Spec {
  f: OpF;
  key?: string;
  value?: Json;
  result?: Json;
}

const status: fc.Arbitrary<OpStatus> = fc.constantFrom<OpStatus>('ok', 'ok', 'ok', 'ok', 'info', 'info', 'fail');

/**
 * ops with random intervals: each op gets distinct call/return ranks. With `processes`, ops
 * share that many processes (program order = array order) and their intervals still overlap
 * freely, as intervals widened by clock uncertainty do.
 */
export function randomHistory(spec: fc.Arbitrary<Spec>, processes?: number, statuses?: fc.Arbitrary<OpStatus>, maxLength = 7): fc.Arbitrary<Operation[]> {
  return fc
    .array(fc.record({ spec, status: statuses ?? status, start: fc.nat(20), len: fc.integer({ min: 1, max: 12 }) }), { minLength: 1, maxLength })
    .map((raw) => {
      const times: { t: number; i: number; end: boolean }[] = [];
      raw.forEach((r, i) => {
        times.push({ t: r.start, i, end: false }, { t: r.start + r.len, i, end: true });
      });
      times.sort((a, b) => a.t - b.t || (a.end ? 1 : 0) - (b.end ? 1 : 0) || a.i - b.i);
      const call: number[] = [];
      const ret: number[] = [];
      times.forEach((x, rank) => (x.end ? (ret[x.i] = rank) : (call[x.i] = rank)));
      return raw.map((r, i): Operation => {
        const op: Operation = { id: i, process: processes ? i % processes : i, f: r.spec.f, status: r.status, call: call[i]!, ret: r.status === 'ok' ? ret[i]! : Infinity };
        if (r.spec.key !== undefined) op.key = r.spec.key;
        if (r.spec.value !== undefined) op.value = r.spec.value;
        if (r.status === 'ok' && r.spec.result !== undefined) op.result = r.spec.result;
        return op;
      });
    });
}
