// Drop RoCEv2 requests arriving at the target (everything but responses and ACKs), by a seeded
// rate or an exact count; the fault's window is its start and stop.
import { z } from 'zod';
import { ROCE_PORT, RESPONSE_OPCODES, firstN, ifaceMatch, inputTable, seededRate } from '../nft';
import { Percent, Rails } from '../params';
import type { AgentFault } from '../types';

const Params = z
  .object({
    /** percent of requests dropped (seeded pattern) */
    rate: Percent.optional(),
    /** drop exactly this many requests, then none */
    count: z.number().int().positive().optional(),
    rails: Rails,
    /** only requests from these peers (default: from anyone) */
    from: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict()
  .refine((p) => (p.rate === undefined) !== (p.count === undefined), { message: 'give exactly one of rate or count' });
type Params = z.infer<typeof Params>;

export const packetLoss: AgentFault<Params> = {
  kind: 'packet-loss',
  side: 'agent',
  summary: 'drop RoCEv2 requests toward the target (not ACKs): by seeded rate, exact count, or window',
  params: Params,
  spec(id, target, p, seed) {
    const netdevs = target.rails.filter((r) => !p.rails || p.rails.includes(r.rail)).map((r) => r.netdev);
    const which = p.count !== undefined ? firstN(p.count) : seededRate(p.rate!, seed);
    const srcs = p.from ? target.peers.filter((q) => p.from!.includes(q.node)).flatMap((q) => q.rails.map((r) => r.ip)) : [];
    const src = srcs.length ? `ip saddr { ${srcs.join(', ')} } ` : '';
    return { id, nft: inputTable(id, [`${ifaceMatch(netdevs)}${src}udp dport ${ROCE_PORT} @th,64,8 != ${RESPONSE_OPCODES} ${which} counter drop comment "packet-loss"`]) };
  },
};
