// Connects two agents with one RC QP pair per rail. Connection setup is two-phase and goes
// through the controller (no side channel to fault): create a QP on each side, exchange
// QPN/PSN/GID, the control-word location and the regions' rkey/addr, then connect both.
import { InputError } from '../harness/core';
import type { AgentClient } from './client';
import { responderOf, type QpSettingsWire } from './protocol';

export interface PeerOptions {
  /** rails to connect (default: every rail both nodes have) */
  rails?: number[];
  settings?: QpSettingsWire;
  sendDepth?: number;
  recvDepth?: number;
  slotSize?: number;
  /** record receives with their bytes (both sides) */
  recvBytes?: boolean;
  /**
   * a's QPs toward b are its own: b's end is a channel of its own (`responderOf(a)`), so b's
   * slices toward a, on another pair, neither share a's QPs nor break them, and rebuilding one
   * pair never waits for the other. b records what it receives there as from a.
   */
  ownPair?: boolean;
}



export interface PeerLink {
  rails: number[];
  /** connection ids per rail on each side */
  a: Map<number, string>;
  b: Map<number, string>;
}

export function connName(from: string, to: string, rail: number): string {
  return `${from}>${to}:${rail}`;
}

function regionsFor(c: AgentClient, rail: number): Array<{ name: string; addr: string; rkey: number; size: number }> {
  const out = [];
  for (const r of c.regions.values()) {
    const on = r.rails.find((x) => x.rail === rail);
    if (on) out.push({ name: r.region, addr: on.addr, rkey: on.rkey, size: r.size });
  }
  return out;
}

export async function connectPeers(a: AgentClient, b: AgentClient, o: PeerOptions = {}): Promise<PeerLink> {
  const railsOf = (c: AgentClient): number[] => (c.info?.rails ?? []).map((r) => r.rail);
  const common = railsOf(a).filter((r) => railsOf(b).includes(r));
  const rails = o.rails ?? common;
  for (const r of rails) {
    if (!common.includes(r)) throw new InputError('agent.noRail', `rail ${r} is not present on both ${a.node} and ${b.node}`);
  }
  const link: PeerLink = { rails, a: new Map(), b: new Map() };
  const caps = { ...(o.sendDepth ? { sendDepth: o.sendDepth } : {}), ...(o.recvDepth !== undefined ? { recvDepth: o.recvDepth } : {}), ...(o.slotSize ? { slotSize: o.slotSize } : {}), ...(o.recvBytes ? { recvBytes: true } : {}) };
  const settings = o.settings ?? {};
  for (const rail of rails) {
    if (a === b) {
      // loopback: one QP connected to itself (its SENDs land in its own receive queue)
      const q = await a.call('createQp', { conn: connName(a.node, a.node, rail), peer: a.node, rail, ...caps });
      await a.call('connectQp', { conn: q.conn, remote: { qpn: q.qpn, psn: q.psn, gid: q.gid, ctl: q.ctl }, regions: regionsFor(a, rail), settings });
      link.a.set(rail, q.conn);
      link.b.set(rail, q.conn);
      continue;
    }
    const back = o.ownPair ? responderOf(a.node) : a.node;
    const [qa, qb] = await Promise.all([
      a.call('createQp', { conn: connName(a.node, b.node, rail), peer: b.node, rail, ...caps }),
      b.call('createQp', { conn: connName(b.node, back, rail), peer: back, rail, ...caps }),
    ]);
    await Promise.all([
      a.call('connectQp', { conn: qa.conn, remote: { qpn: qb.qpn, psn: qb.psn, gid: qb.gid, ctl: qb.ctl }, regions: regionsFor(b, rail), settings }),
      b.call('connectQp', { conn: qb.conn, remote: { qpn: qa.qpn, psn: qa.psn, gid: qa.gid, ctl: qa.ctl }, regions: regionsFor(a, rail), settings }),
    ]);
    link.a.set(rail, qa.conn);
    link.b.set(rail, qb.conn);
  }
  a.peerMtu.set(b.node, settings.pathMtu ?? 1024);
  if (!o.ownPair) b.peerMtu.set(a.node, settings.pathMtu ?? 1024);
  return link;
}
