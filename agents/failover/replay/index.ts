// replay: the transparent overlay. Every unacknowledged WR is re-posted on the backup rail's QP
// and reported ok when the re-post succeeds. A WR that executed but lost its ACK executes
// twice: non-idempotent ops (FADD, CAS, SEND) can duplicate. That is the point.
import { emptyPlan, type FailoverPolicy } from '../types';

export const replayPolicy: FailoverPolicy = {
  name: 'replay',
  summary: 'transparent failover: unacknowledged WRs are re-posted on the backup QP (may double-execute)',
  needsRails: 2,
  reconnects: true,
  plan(unresolved) {
    const p = emptyPlan(true);
    p.repost = unresolved.map((u) => u.idx);
    return p;
  },
};
