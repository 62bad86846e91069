// Cut the target off from some peers (default: all) on the data rails, both directions.
import { z } from 'zod';
import { inputTable } from '../nft';
import type { AgentFault } from '../types';

const Params = z.object({ from: z.array(z.string().min(1)).min(1).optional() }).strict();
type Params = z.infer<typeof Params>;

export const partition: AgentFault<Params> = {
  kind: 'partition',
  side: 'agent',
  summary: 'drop all data-rail traffic between the target and the given peers (default all), both ways',
  params: Params,
  spec(id, target, p) {
    const peers = target.peers.filter((q) => !p.from || p.from.includes(q.node));
    const ips = peers.flatMap((q) => q.rails.map((r) => r.ip));
    if (ips.length === 0) return { id, nft: inputTable(id, ['counter comment "partition: no peers"']) };
    const set = `{ ${ips.join(', ')} }`;
    return { id, nft: inputTable(id, [`ip saddr ${set} counter drop comment "partition"`], [`ip daddr ${set} counter drop comment "partition"`]) };
  },
};
