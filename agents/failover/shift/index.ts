// shift: writes and reads are retransmitted on the backup; atomics in flight at the fault
// return an error (info: they may have executed); SENDs are re-synchronised with the receiver
// (how many it delivered) before only the undelivered ones are re-posted. The same handshake
// first fences the receiver's QP on the abandoned rail, so nothing of the old QP can still land.
import { emptyPlan, type FailoverPolicy } from '../types';

export const shiftPolicy: FailoverPolicy = {
  name: 'shift',
  summary: 'writes/reads retransmitted, in-flight atomics fail (info), SEND queues re-synchronised by handshake',
  needsRails: 2,
  reconnects: true,
  plan(unresolved) {
    const p = emptyPlan(true);
    p.fence = true;
    for (const u of unresolved) {
      if (u.f === 'fadd' || u.f === 'cas') p.info.push(u.idx);
      else if (u.f === 'send') p.resync.push(u.idx);
      else p.repost.push(u.idx);
    }
    return p;
  },
};

/**
 * The SEND handshake's arithmetic. RC delivers a QP's SENDs in order, and the unresolved SENDs
 * are the tail of what was posted, so the receiver's count of messages delivered from us
 * (`delivered`) minus the count we know were delivered (`knownOk`) is how many of the
 * unresolved ones, in posting order, arrived. Those are settled ok; the rest are re-posted.
 */
export function settleSends(unresolvedInOrder: readonly number[], delivered: bigint, knownOk: bigint): { delivered: number[]; repost: number[] } {
  let got = delivered - knownOk;
  if (got < 0n) got = 0n;
  const k = got > BigInt(unresolvedInOrder.length) ? unresolvedInOrder.length : Number(got);
  return { delivered: unresolvedInOrder.slice(0, k), repost: unresolvedInOrder.slice(k) };
}
