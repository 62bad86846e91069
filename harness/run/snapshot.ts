// The final snapshot: once every op completed and every fault is healed, read the workloads'
// memory and record it as final reads, the at-most-once checker's ground truth. Only words an
// op targeted, or that are not zero (a value nobody wrote), become events.
import { bytesJson, type AgentClient } from '../../agents';
import { workloadPackage } from '../../workloads';
import type { RunPlan } from '../campaign';
import type { HistoryEvent } from '../core';

/** history process ids for the snapshot reader, above every agent's range */
export const SNAPSHOT_PROCESS = 900_000_000;

function u64Json(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

export async function finalSnapshot(plan: RunPlan, agents: ReadonlyMap<string, AgentClient>, touched: ReadonlySet<string>, now: () => number): Promise<HistoryEvent[]> {
  const out: HistoryEvent[] = [];
  let p = SNAPSHOT_PROCESS;
  for (const w of plan.workloads) {
    const pkg = workloadPackage(w.spec.workload);
    for (const [index, peer] of w.peers.entries()) {
      const agent = agents.get(peer)!;
      for (const part of pkg.snapshot(w.spec, w.regions, { peer, index })) {
        // a revived node's agent never registered it: that memory died with the node (memoryMayDie)
        if (pkg.memoryMayDie && !agent.regions.has(part.region)) continue;
        // read in chunks the RPC allows
        const chunks: Buffer[] = [];
        for (let off = 0; off < part.length; off += 1 << 23) {
          chunks.push(await agent.readMemory(part.region, part.offset + off, Math.min(1 << 23, part.length - off)));
        }
        for (const d of part.decode(Buffer.concat(chunks))) {
          const zero = 'value' in d ? d.value === 0n : d.bytes.every((b) => b === 0);
          if (zero && !touched.has(d.key)) continue;
          const t = now();
          out.push({ type: 'invoke', process: p, f: 'read', node: peer, key: d.key, time: t, final: true });
          out.push({ type: 'ok', process: p, f: 'read', node: peer, key: d.key, result: 'value' in d ? u64Json(d.value) : bytesJson(d.bytes), time: t + 1, final: true });
          p++;
        }
      }
    }
    if (pkg.twoSided) {
      // every sender stopped and the receiver posted buffers: its streams are drained
      for (const client of w.clients) {
        const t = now();
        const key = `${client}->${w.target}`;
        out.push({ type: 'invoke', process: p, f: 'recv', node: w.target, key, time: t, final: true });
        out.push({ type: 'ok', process: p, f: 'recv', node: w.target, key, result: null, time: t + 1, final: true });
        p++;
      }
    }
  }
  return out;
}
