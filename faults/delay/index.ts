// Delay and jitter with netem on the target's data netdevs. netem exists in the guests' kernel
// (Debian's), not in this host's: delay belongs inside the SoftRoCE nodes.
import { z } from 'zod';
import { Duration, durationMs, type FaultRules, type TargetInfo } from '../../harness/core';
import { Rails } from '../params';
import { installRules, removeRules, selectedRails, type FaultPackage } from '../types';

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

export function delayRules(id: string, target: TargetInfo, p: Params): FaultRules {
  const netdevs = selectedRails(target, p.rails).map((r) => r.netdev);
  const args = ['delay', `${durationMs(p.delay)}ms`];
  const j = durationMs(p.jitter);
  if (j > 0) args.push(`${j}ms`);
  if (p.loss !== undefined) args.push('loss', `${p.loss}%`);
  return {
    id,
    apply: netdevs.map((d) => ['tc', 'qdisc', 'replace', 'dev', d, 'root', 'netem', ...args]),
    clear: netdevs.map((d) => ['tc', 'qdisc', 'del', 'dev', d, 'root']),
  };
}

export const delay: FaultPackage<Params> = {
  kind: 'delay',
  summary: 'netem delay/jitter on the data rails of the target',
  params: Params,
  side: () => 'agent',
  randomParams: { delay: '5ms', jitter: '2ms' },
  apply: (t, p) => installRules(t, delayRules(t.id, t.info, p)),
  recover: (t) => removeRules(t),
  // netem that drops most packets, or holds them half the probe's patience, cuts it
  cutsProbe(p, probe) {
    if (p.rails && !p.rails.includes(probe.rail)) return false;
    return (p.loss ?? 0) >= 50 || durationMs(p.delay) + durationMs(p.jitter) >= probe.failAfterMs / 2;
  },
};
