// read-verify: before replaying a write or CAS, READ its target on the backup rail and skip the
// replay when the value "looks applied" (equals what the op would have left). Known unsafe: a
// value can look applied because another client wrote it, and a CAS that did swap can be
// overwritten before the READ. FADDs, READs and SENDs cannot be judged by a read: replayed.
import { emptyPlan, type FailoverPolicy } from '../types';

export const readVerifyPolicy: FailoverPolicy = {
  name: 'read-verify',
  summary: 'READ the target before replaying; skip the replay when the value looks applied (unsafe)',
  needsRails: 2,
  reconnects: true,
  plan(unresolved) {
    const p = emptyPlan(true);
    for (const u of unresolved) {
      if (u.f === 'write' || u.f === 'cas') p.verify.push(u.idx);
      else p.repost.push(u.idx);
    }
    return p;
  },
  looksApplied(op, read) {
    return read === op.value;
  },
};
