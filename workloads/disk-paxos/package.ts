// disk-paxos as a campaign workload: each client node is a processor, each of `disks` a memory
// node whose registered region is its disk; the processors decide a replicated log for the
// run's duration and the run records every block op and every decision. Its check is its own:
// Nontrivial, Consistent, NoRegression, and the snapshot invariants on the disks at the end.
import { z } from 'zod';
import { Duration, durationMs, NodeName, percentile, type HistoryEvent } from '../../harness/core';
import { instant, ownK, type Placement, type WorkloadPackage, type WorkloadSpec } from '../types';
import { BLOCK_BYTES, blockOffset, instancesIn } from './block';
import { checkDiskPaxos } from './checks';
import { bytesJson } from '../../agents';
import { incarnationsOf, recordsFromOps, restartKey, slotKey, slotOf, snapshotKey } from './history';
import { inputOf, runLog } from './log';
import { blockKey, DISK_REGION } from './ops';

const Params = z
  .object({
    /** the memory nodes, one disk each (default: every node) */
    disks: z.array(NodeName).min(1).optional(),
    /** the log's length: slots each disk has room for */
    slots: z.number().int().min(1).max(100_000).default(2000),
    /** a stable leader's node: the others begin each slot `follow` after it committed it (default: all duel) */
    leader: NodeName.optional(),
    follow: Duration.default('1s'),
    /** a standby begins a slot the leader has not committed after this long anyway */
    takeover: Duration.default('5s'),
  })
  .strict();
type Params = z.infer<typeof Params>;

const disksOf = (spec: WorkloadSpec<Params>, at: Pick<Placement, 'nodes'>): string[] => spec.disks ?? Array.from({ length: at.nodes }, (_, i) => `node${i + 1}`);
/** a processor per client node: the spec names them (regions are sized by their number) */
const processorsOf = (spec: WorkloadSpec<Params>): number => spec.clients?.length ?? 1;

export const diskPaxos: WorkloadPackage<Params> = {
  name: 'disk-paxos',
  summary: 'Disk Paxos (Gafni and Lamport) over one-sided READ/WRITE: processors decide a replicated log on memory-node disks',
  params: Params,
  checks: ['invariants'],
  // node1's processor writing node2's disk and node2's writing node1's go on separate QP pairs
  ownPairs: true,
  // a node's crash kills its disk (a registered region) for good: Disk Paxos takes a minority of
  // failed disks; the node comes back as its processor's new incarnation
  memoryMayDie: true,
  patterns: [],
  misplaced(spec, at) {
    if (!spec.clients) return { field: 'clients', message: 'disk-paxos: name the processors\' nodes in clients (one processor per node)' };
    if (spec.concurrency !== 1) return { field: 'concurrency', message: 'disk-paxos: one processor per client node (concurrency 1)' };
    if (disksOf(spec, at).length < 3) return { field: 'disks', message: 'disk-paxos: at least 3 disks, so a majority survives one lost disk' };
    if (new Set(disksOf(spec, at)).size !== disksOf(spec, at).length) return { field: 'disks', message: 'disk-paxos: a node is named twice among the disks' };
    if (spec.leader && !spec.clients.includes(spec.leader)) return { field: 'leader', message: `disk-paxos: the leader ${spec.leader} is not one of the clients (${spec.clients.join(', ')})` };
    return undefined;
  },
  peers: (spec, at) => disksOf(spec, at),
  keys: () => ['disk@', 'slot@', 'restart@'],
  regions(spec) {
    return { [DISK_REGION]: spec.slots * processorsOf(spec) * BLOCK_BYTES };
  },
  // one slice per step of a processor; its ops touch distinct blocks
  sliceSize: () => 64,
  async drive(spec, ctx) {
    const P = ctx.clients.length;
    const D = ctx.peers.length;
    const t0 = Date.now();
    let decided = 0;
    const lanes = new Map<string, [string, string]>();
    // at each fault boundary, every live disk's blocks as they are (the snapshot invariants), in
    // the slots the log has reached: a read of the whole region per boundary slowed the
    // protocol's own RPCs on the guests enough to change what a timing-sensitive campaign found
    let reached = 1;
    ctx.onFaultBoundary(async (label) => {
      const evs: HistoryEvent[] = [];
      const upTo = { ...spec, slots: Math.min(spec.slots, reached + 1) };
      for (const [index, peer] of ctx.peers.entries()) {
        for (const part of diskPaxos.snapshot(upTo, diskPaxos.regions(upTo, 0), { peer, index })) {
          const mem = await ctx.readMemory(peer, part.region, part.offset, part.length).catch(() => undefined);
          if (!mem) continue; // a dead disk
          for (const d of part.decode(mem)) {
            if (!('bytes' in d) || d.bytes.every((b) => b === 0)) continue;
            evs.push(...instant({ process: ctx.process(0), f: 'read', key: snapshotKey(d.key, label), node: peer }, ctx.now(), bytesJson(d.bytes)));
          }
        }
      }
      ctx.record(evs);
    });
    const r = await runLog({
      processors: P,
      disks: D,
      seed: ctx.seed,
      slots: spec.slots,
      ...(spec.leader ? { leader: ctx.clients.indexOf(spec.leader) + 1, followMs: durationMs(spec.follow), takeoverMs: durationMs(spec.takeover) } : {}),
      lane(p, d) {
        const lane = `${p}>${d}`;
        lanes.set(lane, [ctx.clients[p - 1]!, ctx.peers[d - 1]!]);
        return lane;
      },
      post: (lane, ops) => ctx.post(...lanes.get(lane)!, ops),
      nodeRestarts: (p) => ctx.incarnation(ctx.clients[p - 1]!),
      restarted(p) {
        ctx.record(instant({ process: ctx.process(p), f: 'restart', key: restartKey(p), node: ctx.clients[p - 1]! }, ctx.now()));
        ctx.log(`disk-paxos: processor ${p} (${ctx.clients[p - 1]}) restarted after its node's crash: it reads its own block from a majority of disks first`);
      },
      decided(c) {
        decided++;
        reached = Math.max(reached, c.instance);
        ctx.record(instant({ process: ctx.process(c.processor), f: 'decide', key: slotKey(c.instance), value: c.value, node: ctx.clients[c.processor - 1]! }, ctx.now()));
      },
      going: ctx.going,
    });
    const s = (Date.now() - t0) / 1000;
    const p50 = percentile([...r.commitMs].sort((a, b) => a - b), 0.5);
    return `${decided} decisions by ${P} processors over ${D} disks in ${s.toFixed(1)} s (${r.steps} steps, commit p50 ${p50.toFixed(1)} ms)`;
  },
  check(spec, ops, at) {
    const P = processorsOf(spec);
    const D = disksOf(spec, at).length;
    const slots = new Set<number>();
    for (const op of ops) if (op.f === 'decide') slots.add(slotOf(op.key));
    const inputs = [...slots].flatMap((instance) => Array.from({ length: P }, (_, i) => ({ processor: i + 1, instance, value: inputOf(i + 1, instance) })));
    let records;
    try {
      records = recordsFromOps(ops, { processors: P, disks: D, processorOf: ownK, inputs, incarnations: incarnationsOf(ops, P) });
    } catch (e: unknown) {
      return { summary: '', unknown: (e as Error).message, violations: [] };
    }
    const found = checkDiskPaxos(records);
    const violations = found.map((v) => ({ message: `${v.invariant}: ${v.message}`, ops: v.evidence.flatMap((x) => /^op (\d+):/.exec(x)?.slice(1).map(Number) ?? []) }));
    const end = records.snapshots.get('end') ?? [];
    const lost = disksOf(spec, at).filter((_, d) => !end.some((b) => b.disk === d + 1));
    const restarts = [...records.incarnations.values()].reduce((n, l) => n + l.length - 1, 0);
    const boundaries = records.snapshots.size - (records.snapshots.has('end') ? 1 : 0);
    const what = `${records.commits.length} decisions of ${slots.size} slots, ${records.writes.length} block writes, ${records.reads.length} reads, ${end.length} blocks in the final snapshot${lost.length ? ` (not ${lost.join(', ')}'s disk: its memory died with it)` : ''}${restarts ? `, ${restarts} processor restart(s)` : ''}${boundaries ? `, snapshots at ${boundaries} fault boundaries` : ''}`;
    if (slots.size === 0) return { summary: '', unknown: `nothing was decided (${what}): nothing is certified`, violations };
    return { summary: found.length ? `${found.length} invariant violation(s) in ${what}` : `Nontrivial, Consistent, NoRegression and the snapshot invariants hold on ${what}`, violations };
  },
  snapshot(spec, regions, of) {
    const P = processorsOf(spec);
    const bytes = regions[DISK_REGION]!;
    return [
      {
        region: DISK_REGION,
        offset: 0,
        length: bytes,
        decode(mem) {
          const out: { key: string; bytes: Buffer }[] = [];
          for (let slot = 1; slot <= instancesIn(bytes, P); slot++) {
            for (let owner = 1; owner <= P; owner++) {
              const at = blockOffset(slot, owner, P);
              out.push({ key: blockKey(of.index + 1, slot, owner), bytes: mem.subarray(at, at + BLOCK_BYTES) });
            }
          }
          return out;
        },
      },
    ];
  },
};
