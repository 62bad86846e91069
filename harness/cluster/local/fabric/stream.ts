// stream: qemu's own `-netdev stream` over a unix socket, node1 listening and node2 connecting.
// Point-to-point: exactly two nodes per rail. qemu 7.2 has no reconnect, so a restarted node1
// leaves node2 unplugged: restartWith() makes them restart together.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../../core';
import type { ClusterShape, FabricRecord } from '../state';
import type { FabricBackend, FabricContext } from './index';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const streamBackend: FabricBackend = {
  name: 'stream',
  programs: [],

  missing() {
    return undefined;
  },

  unsupported(shape: ClusterShape): string | undefined {
    return shape.nodes === 2 ? undefined : `the stream fabric is point-to-point: it needs exactly 2 nodes (asked for ${shape.nodes}); use --fabric vde, bridge or dgram`;
  },

  async start(rail: number, ctx: FabricContext): Promise<FabricRecord> {
    if (ctx.nodes !== 2) throw new InputError('cluster.badFabric', streamBackend.unsupported!({ nodes: ctx.nodes, rails: 1 })!);
    const sock = path.join(ctx.stateDir, `rail${rail}.stream`);
    fs.rmSync(sock, { force: true });
    const rec: FabricRecord = { rail, backend: 'stream', procs: [], paths: [sock], data: { sock } };
    ctx.record(rec);
    return rec;
  },

  netdev(rec: FabricRecord, nodeIndex: number): string {
    const server = nodeIndex === 1 ? 'on' : 'off';
    return `stream,server=${server},addr.type=unix,addr.path=${rec.data.sock!.replace(/,/g, ',,')}`;
  },

  async nodeStarted(rec: FabricRecord, nodeIndex: number, startedAtMs: number): Promise<void> {
    if (nodeIndex !== 1) return;
    // node2's qemu connects once at start: node1 must listen by then
    const sock = rec.data.sock!;
    const end = Date.now() + 20_000;
    // a restart finds the old socket file until the new qemu binds its own (newer) one
    while (!isSocket(sock, startedAtMs - 1000)) {
      if (Date.now() > end) throw new InputError('cluster.fabricFailed', `rail ${rec.rail}: node1's qemu did not listen on ${sock} within 20 s`);
      await sleep(20);
    }
  },

  restartWith(nodeIndexes: readonly number[], allNodes: readonly number[]): number[] {
    return nodeIndexes.includes(1) ? [...allNodes] : [...nodeIndexes];
  },
};

function isSocket(p: string, notBeforeMs: number): boolean {
  try {
    const st = fs.statSync(p);
    return st.isSocket() && st.ctimeMs >= notBeforeMs;
  } catch {
    return false;
  }
}
