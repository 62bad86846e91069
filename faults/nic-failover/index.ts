// Take the target's primary rail away while ops are in flight, and give it back: a link down in
// the guest, a cable pull through the hypervisor, or deleting the rxe device. The failover policy
// under test then moves traffic to the backup rail.
import { z } from 'zod';
import type { ControllerFault, AgentFault } from '../types';

const Params = z
  .object({
    method: z.enum(['link-down', 'cable', 'rdma-link-del']).default('cable'),
    rail: z.number().int().min(0).max(15).default(0),
  })
  .strict();
type Params = z.infer<typeof Params>;

const summary = 'take the primary rail away (link down in the guest, cable pull, or rdma link del) and restore it';

/** link-down and rdma-link-del are commands inside the node, kept by its agent */
export const nicFailoverInNode: AgentFault<Params> = {
  kind: 'nic-failover',
  side: 'agent',
  summary,
  params: Params,
  needsRails: 2,
  spec(id, target, p) {
    const rail = target.rails.find((r) => r.rail === p.rail);
    if (!rail) throw new Error(`${target.node} has no rail ${p.rail}`);
    if (p.method === 'rdma-link-del') {
      const dev = rail.device ?? `rxe${p.rail}`;
      return { id, apply: [['rdma', 'link', 'delete', dev]], clear: [['rdma', 'link', 'add', dev, 'type', 'rxe', 'netdev', rail.netdev]] };
    }
    return { id, apply: [['ip', 'link', 'set', rail.netdev, 'down']], clear: [['ip', 'link', 'set', rail.netdev, 'up']] };
  },
};

/** a cable pull is outside the node: the hypervisor drops the carrier */
export const nicFailoverCable: ControllerFault<Params> = {
  kind: 'nic-failover',
  side: 'controller',
  summary,
  params: Params,
  needsRails: 2,
  apply: (ops, target, p) => ops.pullCable(target.node, p.rail),
  recover: (ops, target, p) => ops.restoreCable(target.node, p.rail),
};

export function nicFailoverFor(p: Params): AgentFault<Params> | ControllerFault<Params> {
  return p.method === 'cable' ? nicFailoverCable : nicFailoverInNode;
}
export { Params as NicFailoverParams };
