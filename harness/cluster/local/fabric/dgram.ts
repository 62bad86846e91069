// dgram: qemu's own `-netdev dgram` on UDP multicast over the host loopback, one group and port
// per rail. Every qemu of the rail joins the group; there is no switch process at all (each
// guest also hears its own frames back: IP_MULTICAST_LOOP, which the virtio MAC filter drops for
// unicast). Any number of nodes. Nothing to clean up beyond the qemus.
import { createSocket } from 'node:dgram';
import { InputError } from '../../../core';
import type { FabricRecord } from '../state';
import type { FabricBackend, FabricContext } from './index';

/** A UDP port free right now on the host (the kernel picks it). */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

export const dgramBackend: FabricBackend = {
  name: 'dgram',
  programs: [],

  missing() {
    return undefined; // qemu itself (checked before any backend)
  },

  async start(rail: number, ctx: FabricContext): Promise<FabricRecord> {
    let port: number;
    try {
      port = await freeUdpPort();
    } catch (e: unknown) {
      throw new InputError('cluster.fabricFailed', `rail ${rail}: no free UDP port for the dgram fabric: ${(e as Error).message}`);
    }
    // organisation-local scope; the port alone tells clusters apart
    const rec: FabricRecord = { rail, backend: 'dgram', procs: [], paths: [], data: { group: `239.255.77.${rail + 1}`, port: String(port) } };
    ctx.record(rec);
    return rec;
  },

  netdev(rec: FabricRecord): string {
    // local.host pins the multicast interface to loopback: frames never leave the host
    return `dgram,remote.type=inet,remote.host=${rec.data.group},remote.port=${rec.data.port},local.type=inet,local.host=127.0.0.1,local.port=0`;
  },
};
