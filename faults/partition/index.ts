// Cut the target off from some peers (default: all) on the data rails, both directions.
import { z } from 'zod';
import type { FaultRules, TargetInfo } from '../../harness/core';
import { inputTable } from '../nft';
import { dropConfirmation } from '../confirm';
import { installRules, removeRules, type FaultPackage } from '../types';

const Params = z.object({ from: z.array(z.string().min(1)).min(1).optional() }).strict();
type Params = z.infer<typeof Params>;

export function partitionRules(id: string, target: TargetInfo, p: Params): FaultRules {
  const peers = target.peers.filter((q) => !p.from || p.from.includes(q.node));
  const ips = peers.flatMap((q) => q.rails.map((r) => r.ip));
  if (ips.length === 0) return { id, nft: inputTable(id, ['counter comment "partition: no peers"']) };
  const set = `{ ${ips.join(', ')} }`;
  return { id, nft: inputTable(id, [`ip saddr ${set} counter drop comment "partition"`], [`ip daddr ${set} counter drop comment "partition"`]) };
}

export const partition: FaultPackage<Params> = {
  kind: 'partition',
  summary: 'drop all data-rail traffic between the target and the given peers (default all), both ways',
  params: Params,
  side: () => 'agent',
  nodeParams: ['from'],
  randomParams: {},
  apply: (t, p) => installRules(t, partitionRules(t.id, t.info, p)),
  recover: (t) => removeRules(t),
  cutsProbe: (p, probe) => !p.from || p.from.includes(probe.other),
  confirm: (p, i) => dropConfirmation(i, 'partition', 'packets', `no packet to or from ${p.from ? p.from.join(', ') : 'its peers'} was sent while it was in place`),
};
