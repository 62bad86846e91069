// Device: an opened RDMA device (native Context) with its port and GID queries, async events,
// and the factories for the objects that live under it.
import { loadBinding } from './binding';
import { CompletionQueue } from './cq';
import type { NativeAsyncEvent, NativeContext, NativeDeviceAttr, NativeDeviceSummary, NativeGidEntry, NativePortAttr } from './native';
import { ProtectionDomain } from './pd';
import { checkFunction, checkInt, checkString } from './validate';

export type DeviceSummary = NativeDeviceSummary;
export type PortAttr = NativePortAttr;
export type GidEntry = NativeGidEntry;
export type DeviceAttr = NativeDeviceAttr;
export type AsyncEvent = NativeAsyncEvent;

export function listDevices(): DeviceSummary[] {
  return loadBinding().Context.listDevices();
}

export class Device {
  /** @internal */
  readonly native: NativeContext;
  readonly name: string;

  private constructor(native: NativeContext) {
    this.native = native;
    this.name = native.name;
  }

  static open(name: string): Device {
    checkString('device name', name);
    const b = loadBinding();
    return new Device(new b.Context(name));
  }

  query(): DeviceAttr {
    return this.native.queryDevice();
  }

  queryPort(port = 1): PortAttr {
    checkInt('port', port, 1, 255);
    return this.native.queryPort(port);
  }

  /** the populated GID table entries of a port (one ibv_query_gid_table call) */
  gids(port = 1): GidEntry[] {
    checkInt('port', port, 1, 255);
    return this.native
      .queryGidTable()
      .filter((e) => e.port === port && e.gid !== '::')
      .map(({ index, gid, type }) => ({ index, gid, type }))
      .sort((a, b) => a.index - b.index);
  }

  /** the RoCEv2 GID carrying an IPv4-mapped address (perftest's `-x 1`), if any */
  ipv4Gid(port = 1): GidEntry | undefined {
    return this.gids(port).find((g) => g.type === 'RoCEv2' && g.gid.startsWith('::ffff:'));
  }

  onAsyncEvent(cb: (e: AsyncEvent) => void): void {
    checkFunction('callback', cb);
    this.native.startAsyncEvents(cb);
  }

  offAsyncEvents(): void {
    this.native.stopAsyncEvents();
  }

  allocPd(): ProtectionDomain {
    const b = loadBinding();
    return new ProtectionDomain(new b.ProtectionDomain(this.native), this);
  }

  /** a CQ with its own completion channel */
  createCq(cqe = 256): CompletionQueue {
    checkInt('cqe', cqe, 1, 1 << 20);
    const b = loadBinding();
    return new CompletionQueue(new b.CompletionQueue(this.native, cqe));
  }

  close(): void {
    this.native.close();
  }
}
