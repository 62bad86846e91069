// Delay and jitter with netem on the target's data netdevs. netem exists in the guests' kernel
// (Debian's), not in this host's: delay belongs inside the SoftRoCE nodes.
import { z } from 'zod';
import { Duration, durationMs, type FaultRules, type TargetInfo } from '../../harness/core';
import { Rails } from '../params';
import { inconclusive, NO_READINGS } from '../confirm';
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
    // netem's own statistics, read before the heal removes them
    readings: Object.fromEntries(netdevs.map((d) => [`qdisc-${d}`, ['tc', '-s', 'qdisc', 'show', 'dev', d]])),
  };
}

/**
 * Packets netem delayed, from `tc -s qdisc show`: those it sent on, plus those it still held
 * (its backlog) when read; undefined when no netem qdisc is there. A window near a run's end
 * may hold its few packets past the heal, which delayed them no less.
 */
export function netemPackets(out: string): number | undefined {
  const m = /qdisc netem [^\n]*\n\s*Sent \d+ bytes (\d+) pkt[^\n]*\n\s*backlog \d+b (\d+)p/.exec(out) ?? /qdisc netem [^\n]*\n\s*Sent \d+ bytes (\d+) pkt/.exec(out);
  return m ? Number(m[1]) + Number(m[2] ?? 0) : undefined;
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
  confirm(p, i) {
    const r = i.observed?.readings ?? {};
    const devs = Object.keys(r).filter((k) => k.startsWith('qdisc-') && k.endsWith('@healing')).map((k) => k.slice(6, -8)).sort();
    if (devs.length === 0) return inconclusive(NO_READINGS);
    const counts = devs.map((d) => ({ d, n: netemPackets(r[`qdisc-${d}@healing`] ?? '') }));
    const missing = counts.filter((c) => c.n === undefined).map((c) => c.d);
    if (missing.length) return { status: 'mismatch', evidence: `no netem qdisc was on ${missing.join(', ')} at the heal` };
    const total = counts.reduce((a, c) => a + c.n!, 0);
    const each = counts.map((c) => `${c.d} ${c.n}`).join(', ');
    if (total === 0) return { status: 'mismatch', evidence: `netem was in place but no packet went through it (${each})` };
    return { status: 'confirmed', evidence: `netem delay ${durationMs(p.delay)} ms held ${total} packets (${each})` };
  },
};
