// Everything an agent holds on its node: rails (device + PD per RDMA device), registered
// regions, connections (one RC QP toward a peer on one rail) and channels (all connections to
// one peer, with the rail in use and the failover epoch).
import { ChaosError, ExitCode, InputError } from '../../harness/core';
import { Device, allocAligned, type GidEntry, type MemoryRegion, type ProtectionDomain } from '../verbs';
import { deviceNetdev } from './counters';
import type { Connection } from './connection';

export interface Rail {
  rail: number;
  device: Device;
  pd: ProtectionDomain;
  gid: GidEntry | undefined;
  netdev: string | undefined;
  /** this rail's registration of the control region */
  ctl: MemoryRegion;
}

export interface Region {
  name: string;
  buffer: Buffer;
  mrs: Map<number, MemoryRegion>;
}

/** Control region: per peer, [sync nonce, messages delivered from that peer] as u64 words. */
export const CTL_SLOT_BYTES = 16;
export const CTL_SLOTS = 256;

export class Channel {
  readonly conns = new Map<number, Connection>();
  /** the rail carrying traffic; undefined until a connection is up */
  current: number | undefined;
  /** 0 until the policy first moves traffic, +1 on each move */
  epoch = 0;
  /** SENDs to this peer known delivered (ok, or settled by the handshake) */
  sendsOk = 0n;
  /** data messages received from this peer, all rails */
  delivered = 0n;
  /** a slice is running on this channel */
  busy = false;
  /** history process ids of the slots, kept across slices like Jepsen's processes */
  private procBase = -1;
  private procDepth = 0;
  /** a slot's op ended indeterminate: its process is retired, so the block is renewed */
  procsStale = false;

  processBlock(depth: number, alloc: (n: number) => number): number {
    if (this.procBase < 0 || depth > this.procDepth || this.procsStale) {
      this.procBase = alloc(depth);
      this.procDepth = depth;
      this.procsStale = false;
    }
    return this.procBase;
  }

  constructor(
    readonly peer: string,
    readonly ctlSlot: number,
  ) {}

  connected(): Connection[] {
    return [...this.conns.values()].filter((c) => c.state === 'connected');
  }

  currentConn(): Connection | undefined {
    const c = this.current === undefined ? undefined : this.conns.get(this.current);
    return c && c.state === 'connected' ? c : undefined;
  }
}

export type Emit = (event: Record<string, unknown>) => void;

export class NodeState {
  node = '';
  processBase = 0;
  private nextProcess = 0;
  readonly rails = new Map<number, Rail>();
  readonly regions = new Map<string, Region>();
  readonly conns = new Map<string, Connection>();
  readonly channels = new Map<string, Channel>();
  ctlBuffer: Buffer | undefined;

  constructor(readonly emit: Emit) {}

  /** Opens the rails once: explicit device per rail, else devices sorted by name. */
  openRails(devices: string[], explicit?: Array<{ rail: number; device: string }>): void {
    if (this.rails.size) return;
    const plan = explicit ?? [...devices].sort().map((device, rail) => ({ rail, device }));
    this.ctlBuffer = allocAligned(CTL_SLOT_BYTES * CTL_SLOTS);
    for (const { rail, device } of plan) {
      if (!devices.includes(device)) throw new InputError('agent.noDevice', `${this.node}: no RDMA device ${device} for rail ${rail} (have ${devices.join(', ') || 'none'})`);
      const dev = Device.open(device);
      const pd = dev.allocPd();
      this.rails.set(rail, {
        rail,
        device: dev,
        pd,
        gid: dev.ipv4Gid(1) ?? dev.gids(1)[0],
        netdev: deviceNetdev(device),
        ctl: pd.registerMemory(this.ctlBuffer),
      });
    }
  }

  rail(r: number): Rail {
    const rail = this.rails.get(r);
    if (!rail) throw new InputError('agent.noRail', `${this.node}: no rail ${r} (rails: ${[...this.rails.keys()].join(', ') || 'none'})`);
    return rail;
  }

  allocProcesses(n: number): number {
    const p = this.processBase + this.nextProcess;
    this.nextProcess += n;
    return p;
  }

  channel(peer: string): Channel {
    let ch = this.channels.get(peer);
    if (!ch) {
      if (this.channels.size >= CTL_SLOTS) throw new ChaosError('agent.tooManyPeers', `more than ${CTL_SLOTS} peers`, ExitCode.badInput);
      ch = new Channel(peer, this.channels.size);
      this.channels.set(peer, ch);
    }
    return ch;
  }

  conn(id: string): Connection {
    const c = this.conns.get(id);
    if (!c) throw new InputError('agent.noConn', `${this.node}: no connection ${id}`);
    return c;
  }

  region(name: string): Region {
    const r = this.regions.get(name);
    if (!r) throw new InputError('agent.noRegion', `${this.node}: no region ${name}`);
    return r;
  }

  registerRegion(name: string, size: number): Region {
    if (this.regions.has(name)) throw new InputError('agent.regionExists', `${this.node}: region ${name} is already registered`);
    const buffer = allocAligned(size);
    const mrs = new Map<number, MemoryRegion>();
    for (const rail of this.rails.values()) mrs.set(rail.rail, rail.pd.registerMemory(buffer));
    const r = { name, buffer, mrs };
    this.regions.set(name, r);
    return r;
  }

  /** publish [nonce, delivered] for a peer; the count is written first (see readers) */
  publishDelivered(ch: Channel, nonce?: bigint): void {
    const buf = this.ctlBuffer;
    if (!buf) return;
    const off = ch.ctlSlot * CTL_SLOT_BYTES;
    buf.writeBigUInt64LE(ch.delivered, off + 8);
    if (nonce !== undefined) buf.writeBigUInt64LE(nonce, off);
  }

  close(): void {
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
    for (const r of this.regions.values()) for (const mr of r.mrs.values()) mr.close();
    this.regions.clear();
    for (const rail of this.rails.values()) {
      rail.ctl.close();
      try {
        rail.device.offAsyncEvents();
      } catch {
        /* not started */
      }
      rail.pd.close();
      rail.device.close();
    }
    this.rails.clear();
  }
}
