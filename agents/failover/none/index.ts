// none: no failover. Errors surface: every unresolved op is info, and ops never posted fail.
import { emptyPlan, type FailoverPolicy } from '../types';

export const nonePolicy: FailoverPolicy = {
  name: 'none',
  summary: 'no failover: error completions are info, the rest of the slice fails unposted',
  needsRails: 1,
  reconnects: false,
  plan(unresolved) {
    const p = emptyPlan(false);
    p.info = unresolved.map((u) => u.idx);
    return p;
  },
};
