// Take the target's primary rail away while ops are in flight, and give it back: a link down in
// the guest, a cable pull through the hypervisor, or deleting the rxe device. The failover policy
// under test then moves traffic to the backup rail.
import { z } from 'zod';
import type { FaultRules, TargetInfo } from '../../harness/core';
import { installRules, removeRules, type FaultPackage } from '../types';

const Params = z
  .object({
    method: z.enum(['link-down', 'cable', 'rdma-link-del']).default('cable'),
    rail: z.number().int().min(0).max(15).default(0),
  })
  .strict();
type Params = z.infer<typeof Params>;

/** link-down and rdma-link-del are commands inside the node, kept by its agent */
export function nicFailoverRules(id: string, target: TargetInfo, p: Params): FaultRules {
  const rail = target.rails.find((r) => r.rail === p.rail);
  if (!rail) throw new Error(`${target.node} has no rail ${p.rail}`);
  if (p.method === 'rdma-link-del') {
    const dev = rail.device ?? `rxe${p.rail}`;
    return { id, apply: [['rdma', 'link', 'delete', dev]], clear: [['rdma', 'link', 'add', dev, 'type', 'rxe', 'netdev', rail.netdev]] };
  }
  return { id, apply: [['ip', 'link', 'set', rail.netdev, 'down']], clear: [['ip', 'link', 'set', rail.netdev, 'up']] };
}

export const nicFailover: FaultPackage<Params> = {
  kind: 'nic-failover',
  summary: 'take the primary rail away (link down in the guest, cable pull, or rdma link del) and restore it',
  params: Params,
  // a cable pull is outside the node: the hypervisor drops the carrier
  side: (p) => (p.method === 'cable' ? 'controller' : 'agent'),
  needsRails: 2,
  randomParams: { method: 'cable', rail: 0 },
  async apply(t, p) {
    if (p.method !== 'cable') return installRules(t, nicFailoverRules(t.id, t.info, p));
    await t.ops.pullCable(t.info.node, p.rail);
    return 'Injected';
  },
  async recover(t, p) {
    if (p.method !== 'cable') return removeRules(t);
    await t.ops.restoreCable(t.info.node, p.rail);
    return 'NotInjected';
  },
  // rdma-link-del removes the RDMA device; the IP link, and the probe on it, stay up
  cutsProbe: (p, probe) => p.method !== 'rdma-link-del' && p.rail === probe.rail,
};
