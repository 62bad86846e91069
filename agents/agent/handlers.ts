// The agent's RPC methods. Each takes the zod-validated params of protocol.ts and returns the
// matching result; errors carry a stable code back to the controller.
import { InputError } from '../../harness/core';
import { decodeOps } from '../ops';
import { PROTOCOL_VERSION, type InfoResult, type ParamsOf, type ResultOf } from '../protocol';
import { bindingSource, listDevices } from '../verbs';
import { Connection } from './connection';
import { counterNames, readCounters } from './counters';
import type { FaultManager } from './faults';
import type { Receiver } from './recv';
import { SliceRunner } from './slice';
import { CTL_SLOT_BYTES, type NodeState } from './state';

export interface HandlerContext {
  state: NodeState;
  faults: FaultManager;
  receiver: Receiver;
  runners: Set<SliceRunner>;
  /** hello sets the lease period */
  setLease(ttlMs: number): void;
  guardianPid: number | undefined;
  shutdown(reason: 'shutdown'): void;
}

const ns = (): string => process.hrtime.bigint().toString();

export function info(ctx: HandlerContext): InfoResult {
  const { state } = ctx;
  const counters: Record<string, string[]> = {};
  const rails = [...state.rails.values()].sort((a, b) => a.rail - b.rail).map((r) => {
    counters[r.device.name] = counterNames(r.device.name);
    const port = r.device.queryPort(1);
    return {
      rail: r.rail,
      device: r.device.name,
      ...(r.netdev ? { netdev: r.netdev } : {}),
      state: port.state,
      activeMtu: port.activeMtu,
      gids: r.device.gids(1),
      ...(r.gid ? { gidIndex: r.gid.index } : {}),
    };
  });
  return {
    protocol: PROTOCOL_VERSION, node: state.node, pid: process.pid, ...(ctx.guardianPid ? { guardianPid: ctx.guardianPid } : {}),
    binding: bindingSource() ?? 'unloaded', monotonicNs: ns(), rails, counters,
  };
}

export const handlers: { [M in keyof typeof import('../protocol').RESULTS]: (ctx: HandlerContext, p: ParamsOf<M>) => Promise<ResultOf<M>> | ResultOf<M> } = {
  hello(ctx, p) {
    const { state } = ctx;
    if (state.node && state.node !== p.node) throw new InputError('agent.renamed', `agent already serves node ${state.node}, not ${p.node}`);
    state.node = p.node;
    state.processBase = p.processBase;
    ctx.setLease(p.leaseMs);
    state.openRails(listDevices().map((d) => d.name), p.rails);
    for (const r of state.rails.values()) {
      try {
        r.device.onAsyncEvent((e) => state.emit({ ev: 'async', device: e.device, type: e.type, ...(e.port !== undefined ? { port: e.port } : {}), ...(e.qpn !== undefined ? { qpn: e.qpn } : {}), timeNs: e.timeNs.toString() }));
      } catch {
        /* already listening (a repeated hello) */
      }
    }
    return info(ctx);
  },
  info: (ctx) => info(ctx),
  time: () => ({ monotonicNs: ns() }),
  lease(ctx, p) {
    ctx.setLease(p.ttlMs);
    return { monotonicNs: ns() };
  },
  registerMemory(ctx, p) {
    const r = ctx.state.registerRegion(p.region, p.size);
    return {
      region: r.name,
      size: p.size,
      rails: [...r.mrs.entries()].map(([rail, mr]) => ({ rail, device: ctx.state.rail(rail).device.name, addr: mr.addr.toString(), rkey: mr.rkey })),
    };
  },
  createQp(ctx, p) {
    const { state } = ctx;
    const rail = state.rail(p.rail);
    const ch = state.channel(p.peer);
    if (ch.busy) throw new InputError('agent.channelBusy', `${state.node}: a slice is running toward ${p.peer}; rebuild its QPs after it ends`);
    const prior = state.conns.get(p.conn);
    if (prior && (prior.peer !== p.peer || prior.rail.rail !== p.rail)) {
      throw new InputError('agent.connExists', `${state.node}: connection ${p.conn} exists toward ${prior.peer} on rail ${prior.rail.rail}`);
    }
    const conn = new Connection({ id: p.conn, peer: p.peer, rail, sendDepth: p.sendDepth ?? 256, recvDepth: p.recvDepth ?? 64, slotSize: p.slotSize ?? 64, recvBytes: p.recvBytes === true });
    const old = ch.conns.get(p.rail);
    if (old) {
      // a fresh QP on a rail replaces the old one (broken by a fault, or being rebuilt)
      state.conns.delete(old.id);
      old.close();
    }
    ch.conns.set(p.rail, conn);
    state.conns.set(p.conn, conn);
    return {
      conn: p.conn, rail: p.rail, device: rail.device.name, qpn: conn.qp.qpn, psn: conn.psn, gid: rail.gid?.gid ?? '::', gidIndex: rail.gid?.index ?? 0,
      mtu: rail.device.queryPort(1).activeMtu,
      ctl: { addr: rail.ctl.addr.toString(), rkey: rail.ctl.rkey, offset: ch.ctlSlot * CTL_SLOT_BYTES },
    };
  },
  connectQp(ctx, p) {
    const { state } = ctx;
    const conn = state.conn(p.conn);
    if (conn.state !== 'created') throw new InputError('agent.connState', `${state.node}: connection ${p.conn} is ${conn.state}, not created`);
    for (const r of p.regions) conn.remoteRegions.set(r.name, { addr: BigInt(r.addr), rkey: r.rkey, size: r.size });
    if (p.remote.ctl) conn.remoteCtl = { addr: BigInt(p.remote.ctl.addr), rkey: p.remote.ctl.rkey, offset: p.remote.ctl.offset };
    conn.connect(p.remote, p.settings, ctx.receiver, state.allocProcesses(conn.recvDepth));
    const ch = state.channel(conn.peer);
    // before any failover, traffic starts on the lowest connected rail
    if (ch.epoch === 0 && (ch.current === undefined || conn.rail.rail < ch.current || !ch.currentConn())) ch.current = conn.rail.rail;
    return { conn: conn.id, qpn: conn.qp.qpn, state: conn.refreshState(), rail: conn.rail.rail };
  },
  async runSlice(ctx, p) {
    const { state } = ctx;
    const ops = decodeOps(p.ops);
    const runner = new SliceRunner(state, state.channel(p.peer), {
      slice: p.slice, peer: p.peer, policy: p.policy, ops, depth: p.depth, rate: p.rate, opTimeoutMs: p.opTimeoutMs, chunkOps: p.chunkOps ?? 1024,
      ...(p.spin !== undefined ? { spin: p.spin } : {}),
    });
    ctx.runners.add(runner);
    try {
      return await runner.run();
    } finally {
      ctx.runners.delete(runner);
    }
  },
  readMemory(ctx, p) {
    const r = ctx.state.region(p.region);
    if (p.offset + p.length > r.buffer.length) throw new InputError('agent.outOfRange', `${ctx.state.node}: ${p.offset}+${p.length} is outside region ${p.region} (${r.buffer.length} bytes)`);
    return { region: p.region, offset: p.offset, base64: r.buffer.subarray(p.offset, p.offset + p.length).toString('base64'), monotonicNs: ns() };
  },
  counters(ctx, p) {
    const names = p.devices ?? [...ctx.state.rails.values()].map((r) => r.device.name);
    const devices: Record<string, Record<string, number>> = {};
    for (const d of names) devices[d] = readCounters(d);
    return { monotonicNs: ns(), devices };
  },
  async setFaults(ctx, p) {
    const r = await ctx.faults.set(p.faults);
    return { active: r.active, effectiveNs: r.effectiveNs.toString(), tookMs: r.tookMs, observed: r.observed };
  },
  qpState(ctx, p) {
    const c = ctx.state.conn(p.conn);
    return { conn: c.id, qpn: c.qp.qpn, state: c.refreshState(), rail: c.rail.rail };
  },
  forceQpError(ctx, p) {
    const c = ctx.state.conn(p.conn);
    c.qp.toError();
    return { conn: c.id, qpn: c.qp.qpn, state: c.refreshState(), rail: c.rail.rail };
  },
  shutdown(ctx) {
    setImmediate(() => ctx.shutdown('shutdown'));
    return {};
  },
};
