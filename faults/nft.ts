// nftables building blocks for RoCEv2. The BTH follows the 8-byte UDP header: its opcode is the
// first payload byte (@th,64,8) and its destination QPN bytes 5..7 (@th,104,24).
import { mulberry32 } from '../harness/core';

export const ROCE_PORT = 4791;
/** RC responder -> requester packets: RDMA READ responses (0x0d-0x10), ACK (0x11), atomic ACK (0x12) */
export const RESPONSE_OPCODES = '{ 0x0d-0x12 }';
export const ACK_OPCODES = { ack: '0x11', atomicAck: '0x12', readResponse: '0x0d-0x10' } as const;

export function tableName(id: string): string {
  return `rdma_chaos_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

export function ifaceMatch(netdevs: readonly string[]): string {
  if (netdevs.length === 0) return '';
  return netdevs.length === 1 ? `iifname "${netdevs[0]}" ` : `iifname { ${netdevs.map((n) => `"${n}"`).join(', ')} } `;
}

/**
 * A loss pattern that is reproducible from the seed: nft's numgen counts matching packets, and
 * the seed picks which residues mod 100 are dropped (random loss in nft cannot be seeded).
 */
export function seededRate(percent: number, seed: number): string {
  const k = Math.round(percent);
  if (k <= 0) return 'numgen inc mod 100 { 1000 }'; // never matches
  if (k >= 100) return '';
  const rng = mulberry32(seed);
  const all = Array.from({ length: 100 }, (_, i) => i);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return `numgen inc mod 100 { ${all.slice(0, k).sort((a, b) => a - b).join(', ')} }`;
}

/** the first n matching packets, exactly */
export function firstN(n: number): string {
  return `numgen inc mod 4294967295 < ${n}`;
}

export function qpnMatch(qpn: number | undefined): string {
  return qpn === undefined ? '' : `@th,104,24 0x${qpn.toString(16).padStart(6, '0')} `;
}

export function inputTable(id: string, rules: readonly string[], outputRules: readonly string[] = []): string {
  const out = outputRules.length
    ? `\n  chain out {\n    type filter hook output priority -10; policy accept;\n${outputRules.map((r) => `    ${r}`).join('\n')}\n  }`
    : '';
  return `table inet ${tableName(id)} {\n  chain in {\n    type filter hook input priority -10; policy accept;\n${rules.map((r) => `    ${r}`).join('\n')}\n  }${out}\n}\n`;
}
