// Take the target's primary rail away while ops are in flight, and give it back: a link down in
// the guest, a cable pull through the hypervisor, or deleting the rxe device. The failover policy
// under test then moves traffic to the backup rail.
import { z } from 'zod';
import type { FaultRules, TargetInfo } from '../../harness/core';
import { inconclusive, NO_READINGS, reading, sentPackets } from '../confirm';
import { installRules, removeRules, type FaultPackage, type FaultTarget } from '../types';

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
    return { id, apply: [['rdma', 'link', 'delete', dev]], clear: [['rdma', 'link', 'add', dev, 'type', 'rxe', 'netdev', rail.netdev]], readings: { [`rdma-${dev}`]: ['rdma', 'link', 'show'] } };
  }
  return { id, apply: [['ip', 'link', 'set', rail.netdev, 'down']], clear: [['ip', 'link', 'set', rail.netdev, 'up']], readings: { link: operstate(rail.netdev) } };
}

const operstate = (netdev: string): string[] => ['cat', `/sys/class/net/${netdev}/operstate`];

/** the rail's link state as the node sees it, read from the controller until it reads `want` (the guest takes a moment) */
async function linkState(t: FaultTarget, netdev: string, want: string): Promise<string> {
  let s = '';
  for (let i = 0; i < 10; i++) {
    s = await t.ops.read(t.info.node, operstate(netdev));
    if (s === want || s.startsWith('!')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return s;
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
    const netdev = t.info.rails.find((r) => r.rail === p.rail)?.netdev;
    if (netdev) t.observe('link@before', await t.ops.read(t.info.node, operstate(netdev)));
    await t.ops.pullCable(t.info.node, p.rail);
    t.tookEffect();
    if (netdev) t.observe('link@applied', await linkState(t, netdev, 'down'));
    return 'Injected';
  },
  async recover(t, p) {
    if (p.method !== 'cable') return removeRules(t);
    await t.ops.restoreCable(t.info.node, p.rail);
    t.tookEffect();
    const netdev = t.info.rails.find((r) => r.rail === p.rail)?.netdev;
    if (netdev) t.observe('link@healed', await linkState(t, netdev, 'up'));
    return 'NotInjected';
  },
  // rdma-link-del removes the RDMA device; the IP link, and the probe on it, stay up
  cutsProbe: (p, probe) => p.method !== 'rdma-link-del' && p.rail === probe.rail,
  confirm(p, i) {
    if (p.method === 'rdma-link-del') {
      const key = Object.keys(i.observed?.readings ?? {}).find((k) => k.startsWith('rdma-') && k.endsWith('@applied'));
      const links = key === undefined ? undefined : reading(i, key);
      if (key === undefined || links === undefined) return inconclusive(NO_READINGS);
      const dev = key.slice(5, -8);
      const left = [...links.matchAll(/^link (\S+)\//gm)].map((m) => m[1]!);
      if (left.includes(dev)) return { status: 'mismatch', evidence: `${dev} was still listed by rdma link show after its deletion` };
      return { status: 'confirmed', evidence: `${dev} gone from rdma link show (left: ${left.join(', ') || 'no device'})${sentPackets(i)}` };
    }
    const during = reading(i, 'link@applied');
    if (during === undefined) return inconclusive(NO_READINGS);
    const path = ['link@before', 'link@applied', p.method === 'cable' ? 'link@healed' : 'link@healing'].map((k) => reading(i, k) ?? '?').join(' -> ');
    // operstate: a pulled cable reads down (no carrier) or lowerlayerdown
    if (/down/.test(during)) return { status: 'confirmed', evidence: `rail ${p.rail} link ${path}${sentPackets(i)}` };
    return { status: 'mismatch', evidence: `rail ${p.rail} link stayed ${during} while it was pulled (${path})` };
  },
};
