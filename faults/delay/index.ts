// Delay and jitter with netem on the target's data netdevs. netem exists in the guests' kernel
// (Debian's), not in this host's: delay belongs inside the SoftRoCE nodes.
import { z } from 'zod';
import { Duration, Rails, durationMs } from '../params';
import type { AgentFault } from '../types';

const Params = z
  .object({
    delay: Duration.default('10ms'),
    jitter: Duration.default(0),
    /** netem loss on top, percent */
    loss: z.number().min(0).max(100).optional(),
    rails: Rails,
  })
  .strict();
type Params = z.infer<typeof Params>;

export const delay: AgentFault<Params> = {
  kind: 'delay',
  side: 'agent',
  summary: 'netem delay/jitter on the data rails of the target',
  params: Params,
  spec(id, target, p) {
    const netdevs = target.rails.filter((r) => !p.rails || p.rails.includes(r.rail)).map((r) => r.netdev);
    const args = ['delay', `${durationMs(p.delay)}ms`];
    const j = durationMs(p.jitter);
    if (j > 0) args.push(`${j}ms`);
    if (p.loss !== undefined) args.push('loss', `${p.loss}%`);
    return {
      id,
      apply: netdevs.map((d) => ['tc', 'qdisc', 'replace', 'dev', d, 'root', 'netem', ...args]),
      clear: netdevs.map((d) => ['tc', 'qdisc', 'del', 'dev', d, 'root']),
    };
  },
};
