// Drop only the responder -> requester ACKs arriving at the target (the requester), matched by
// BTH opcode: 0x11 ACK, 0x12 atomic ACK, 0x0d-0x10 RDMA READ responses. A blackout drops them
// all for the window; a rate drops a seeded share; `qpn` limits it to one destination QP.
// The requester cannot tell a lost ACK from a lost request: the op may have executed.
import { z } from 'zod';
import type { FaultRules, TargetInfo } from '../../harness/core';
import { ACK_OPCODES, ROCE_PORT, ifaceMatch, inputTable, qpnMatch, seededRate } from '../nft';
import { Percent, Rails } from '../params';
import { dropConfirmation, nftCount } from '../confirm';
import { installRules, removeRules, selectedRails, type FaultPackage } from '../types';

const Params = z
  .object({
    mode: z.enum(['blackout', 'rate']).default('blackout'),
    rate: Percent.optional(),
    /** which responses: default all three kinds */
    opcodes: z.array(z.enum(['ack', 'atomic-ack', 'read-response'])).min(1).optional(),
    qpn: z.number().int().min(0).max(0xffffff).optional(),
    rails: Rails,
  })
  .strict()
  .refine((p) => (p.mode === 'rate') === (p.rate !== undefined), { message: 'mode rate needs a rate; a blackout takes none' });
type Params = z.infer<typeof Params>;

const KINDS = ['ack', 'atomic-ack', 'read-response'] as const;
const OPCODE = { ack: ACK_OPCODES.ack, 'atomic-ack': ACK_OPCODES.atomicAck, 'read-response': ACK_OPCODES.readResponse } as const;

export function ackLossRules(id: string, target: TargetInfo, p: Params, seed: number): FaultRules {
  const netdevs = selectedRails(target, p.rails).map((r) => r.netdev);
  const kinds = p.opcodes ?? KINDS;
  const which = p.mode === 'rate' ? seededRate(p.rate!, seed) + ' ' : '';
  const match = `${ifaceMatch(netdevs)}udp dport ${ROCE_PORT} @th,64,8`;
  // counting rules first (no verdict): which responses flowed at all, for the confirmation
  const seen = KINDS.map((k) => `${match} ${OPCODE[k]} ${qpnMatch(p.qpn)}counter comment "seen ${k}"`);
  return { id, nft: inputTable(id, [...seen, `${match} { ${kinds.map((k) => OPCODE[k]).join(', ')} } ${qpnMatch(p.qpn)}${which}counter drop comment "ack-loss"`]) };
}

export const ackLoss: FaultPackage<Params> = {
  kind: 'ack-loss',
  summary: 'drop responder->requester ACKs (BTH 0x11, 0x12, 0x0d-0x10) at the requester, by blackout or seeded rate, optionally for one QPN',
  params: Params,
  side: () => 'agent',
  randomParams: { mode: 'blackout' },
  apply: (t, p) => installRules(t, ackLossRules(t.id, t.info, p, t.seed)),
  recover: (t) => removeRules(t),
  // RoCEv2 only: ICMP probes pass
  cutsProbe: () => false,
  confirm(p, i) {
    const flowed = KINDS.map((k) => `${k} ${nftCount(i, `seen ${k}`)?.packets ?? '?'}`).join(', ');
    const c = dropConfirmation(i, 'ack-loss', `${(p.opcodes ?? KINDS).join('/')} responses`, `no ${(p.opcodes ?? KINDS).join(' or ')} reached the requester while it was in place`);
    return c.status === 'inconclusive' ? c : { ...c, evidence: `${c.evidence} (arrived: ${flowed})` };
  },
};
