// A stale write over a reused buffer: a data WRITE re-posted after its ACK was lost lands after
// the receiver, told by the flag that the data was there, has reused the buffer.
import type { Operation, PatternDef, Theory } from '../../harness/core';
import { evidence, involvedOps, reposted, why } from '../evidence';
import { explainWith, show } from '../explain';

export const MODEL = 'register';

export const STALE_WRITE_THEORY: Theory = {
  result: 'indistinguishability of packet loss and ACK loss (a re-posted WRITE over a reused buffer)',
  statement:
    'A WRITE whose ACK was lost had landed, and the receiver, told by the flag that the data was there, reused the buffer. The re-posted WRITE then landed again over the newer contents, so a later read saw the stale value.',
  unavoidable:
    'No transparent failover can avoid it: a WRITE is idempotent only while nobody else writes the same bytes, and the sender cannot tell whether its first WRITE landed; what would is an error returned to the application, a generation number in each buffer that the reader checks, or a handshake that fences the old QP before a buffer is reused.',
};

const same = (w: Operation, r: Operation): boolean => w.f === 'write' && reposted(w) && w.key === r.key && JSON.stringify(w.value) === JSON.stringify(r.result);

/** a read that returned a re-posted write's value after a newer write had completed */
function staleAccount(involved: readonly Operation[], onKey: (k: Operation['key']) => readonly Operation[]): string[] {
  const out: string[] = [];
  for (const r of involved.filter((op) => op.f === 'read' && op.status === 'ok')) {
    const on = onKey(r.key);
    const w = on.find((x) => same(x, r));
    if (!w) continue;
    const newer = on.filter((x) => x.f === 'write' && x.status === 'ok' && x !== w && x.ret < r.call && x.call > w.call);
    out.push(
      `Read op ${r.id} returned ${show(r.result)}, the value of re-posted write op ${w.id}${newer.length ? `, though ${newer.length === 1 ? `op ${newer[0]!.id}` : `${newer.length} writes (last op ${newer[newer.length - 1]!.id})`} had written ${show(r.key)} since` : ''}: the replayed WRITE landed again over the reused buffer.`,
    );
  }
  return out;
}

export const staleWrite: PatternDef = {
  name: 'stale-write-over-reused-buffer',
  label: 'stale write over reused buffer',
  classify(v, ctx) {
    if (!(v.kind === 'nonlinearizable' && v.explanation?.model === MODEL)) return undefined;
    const { involved, near } = involvedOps(v, ctx);
    const e = evidence(near, ctx.faults, (op) => op.f === 'write');
    const reads = involved.filter((r) => r.f === 'read' && r.status === 'ok');
    // the re-posted write a stale read saw may be long-running (posted before the fault, landed
    // after the failover) and so outside the violation's neighbourhood: look it up by its value
    const staleRead = reads.some((r) => near.some((w) => same(w, r))) || reads.some((r) => ctx.ops.some((w) => same(w, r)));
    if (staleRead) return { pattern: this.label, confidence: 'match', because: `A read saw the value of a re-posted write after the buffer had been reused: ${why(e)}.` };
    if (e.failover.length) return { pattern: this.label, confidence: 'possible', because: `A read saw an overwritten value while ${why(e)}.` };
    return { confidence: 'none', because: 'A read saw an overwritten value (stale read); no re-posted write or failover is involved.' };
  },
  explain(v, ctx) {
    return explainWith(v, ctx, { theory: STALE_WRITE_THEORY, subject: (op) => op.f === 'write', executed: staleAccount });
  },
};
