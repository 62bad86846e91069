// Drop RoCEv2 requests arriving at the target (everything but responses and ACKs), by a seeded
// rate or an exact count; the fault's window is its start and stop.
import { z } from 'zod';
import type { FaultRules, TargetInfo } from '../../harness/core';
import { ROCE_PORT, RESPONSE_OPCODES, firstN, ifaceMatch, inputTable, seededRate } from '../nft';
import { Percent, Rails } from '../params';
import { dropConfirmation } from '../confirm';
import { installRules, removeRules, selectedRails, type FaultPackage } from '../types';

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

export function packetLossRules(id: string, target: TargetInfo, p: Params, seed: number): FaultRules {
  const netdevs = selectedRails(target, p.rails).map((r) => r.netdev);
  const which = p.count !== undefined ? firstN(p.count) : seededRate(p.rate!, seed);
  const srcs = p.from ? target.peers.filter((q) => p.from!.includes(q.node)).flatMap((q) => q.rails.map((r) => r.ip)) : [];
  const src = srcs.length ? `ip saddr { ${srcs.join(', ')} } ` : '';
  return { id, nft: inputTable(id, [`${ifaceMatch(netdevs)}${src}udp dport ${ROCE_PORT} @th,64,8 != ${RESPONSE_OPCODES} ${which} counter drop comment "packet-loss"`]) };
}

export const packetLoss: FaultPackage<Params> = {
  kind: 'packet-loss',
  summary: 'drop RoCEv2 requests toward the target (not ACKs): by seeded rate, exact count, or window',
  params: Params,
  side: () => 'agent',
  nodeParams: ['from'],
  randomParams: { rate: 20 },
  apply: (t, p) => installRules(t, packetLossRules(t.id, t.info, p, t.seed)),
  recover: (t) => removeRules(t),
  // RoCEv2 only: ICMP probes pass
  cutsProbe: () => false,
  confirm: (p, i) => dropConfirmation(i, 'packet-loss', 'requests', `no matching RoCE request${p.from ? ` from ${p.from.join(', ')}` : ''} arrived while it was in place`),
};
