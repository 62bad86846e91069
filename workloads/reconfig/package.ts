// reconfig as a campaign workload: Adore's reconfigurable replicated log on the cluster's nodes,
// every pull, vote, push and ack one 40-byte SEND. Every cache a node makes (an election, a
// method, a reconfiguration, a commit) is a `cache` event of the history. Its check rebuilds the
// cache tree from those events, confirms each supporter's vote or ack by the SEND it posted,
// and hands the tree to the cache-tree checker (commits on one branch, quorums, R1+, R2, R3).
import { z } from 'zod';
import { bytesFromJson } from '../../agents';
import { cacheFromOp, cacheKey, NodeName, type Cache, type Json } from '../../harness/core';
import { decodeMsg, type Msg } from '../paxos';
import { instant, oneRolePerClient, type InvariantCheck, type Placement, type WorkloadPackage, type WorkloadSpec } from '../types';
import { runReconfigLog } from './log';
import { CONDITIONS, cacheNoOf, type Condition } from './protocol';

const Params = z
  .object({
    /** the initial configuration (default: every client) */
    initial: z.array(NodeName).min(1).optional(),
    /** a leader asks for a reconfiguration after this many of its commits */
    reconfig_every: z.number().int().min(1).max(1_000_000).default(20),
    /** a push or a candidacy unanswered this long is tried again; a follower stands after 2-4 times it without a leader */
    retry_ms: z.number().int().min(10).max(10_000).default(250),
    /** Adore's conditions switched off, to reproduce the bug each prevents */
    unsafe: z.array(z.enum(CONDITIONS as [Condition, ...Condition[]])).default([]),
  })
  .strict();
type Params = z.infer<typeof Params>;

const initialOf = (spec: WorkloadSpec<Params>, at: Pick<Placement, 'clients'>): string[] => spec.initial ?? at.clients;
/** receive buffers per connection: a leader's pushes and a candidate's pulls, a few at a time */
const RECV_DEPTH = 256;

export const reconfig: WorkloadPackage<Params> = {
  name: 'reconfig',
  summary: "Adore's reconfigurable log over SEND/RECV: elections, methods, reconfigurations and commits, checked as a cache tree",
  params: Params,
  checks: ['invariants'],
  patterns: [],
  recvBytes: true,
  ownPairs: true,
  misplaced(spec, at) {
    const placed = oneRolePerClient(spec, 'reconfig', 'replica');
    if (placed) return placed;
    const stray = initialOf(spec, at).find((n) => !at.clients.includes(n));
    if (stray) return { field: 'initial', message: `reconfig: ${stray} of the initial configuration is not one of the clients (${at.clients.join(', ')})` };
    return undefined;
  },
  peers: (_spec, at) => at.clients,
  // any node may lead, so every node talks to every other
  links: (_spec, at) => at.clients.flatMap((a) => at.clients.filter((b) => b !== a).map((b): [string, string] => [a, b])),
  keys: (spec, at) => ['cache@', ...reconfig.links!(spec, at).map(([f, t]) => `${f}->${t}`)],
  recvDepth: () => RECV_DEPTH,
  regions: () => ({}),
  sliceSize: () => 64,
  async drive(spec, ctx) {
    const nodes = [...ctx.clients];
    const t0 = Date.now();
    const r = await runReconfigLog({
      nodes,
      initial: initialOf(spec, { clients: nodes }),
      seed: ctx.seed,
      unsafe: spec.unsafe,
      reconfigEvery: spec.reconfig_every,
      retryMs: spec.retry_ms,
      post: (from, to, ops) => ctx.post(from, to, ops),
      received: (n) => ctx.received(n),
      incarnation: (n) => ctx.incarnation(n),
      made(c, node) {
        // the cache's fields as JSON (its id is the key): what cacheFromOp reads back
        const value: Json = JSON.parse(JSON.stringify({ ...c, id: undefined })) as Json;
        // the root is the controller's (process k 0, no node)
        ctx.record(instant({ process: ctx.process(nodes.indexOf(node) + 1), f: 'cache', key: cacheKey(c.id), value, ...(node ? { node } : {}) }, ctx.now()));
      },
      going: ctx.going,
    });
    const s = ((Date.now() - t0) / 1000).toFixed(1);
    return `${r.commits} commits, ${r.reconfigs} reconfigurations (${r.held} held back by a condition), ${r.elections} elections on ${nodes.length} nodes in ${s} s (${r.sent} messages sent, ${r.received} received)${spec.unsafe.length ? `; ${spec.unsafe.join(', ')} switched off` : ''}`;
  },
  check(spec, ops, at) {
    const caches: Cache[] = [];
    const opOf = new Map<string, number>();
    // what each node's SENDs say it did: a vote at a timestamp, an ack of a cache
    const votes = new Set<string>();
    const acks = new Set<string>();
    let messages = 0;
    for (const op of ops) {
      if (op.f === 'cache' && op.status === 'ok') {
        const c = cacheFromOp(op);
        if (!c) return { summary: '', unknown: `op ${op.id}: ${String(op.key)} is no cache of the tree`, violations: [] };
        caches.push(c);
        opOf.set(c.id, op.id);
      } else if (op.f === 'send') {
        const m = msgOf(op.value);
        if (!m || !op.node) continue;
        messages++;
        if (m.type === 'promise') votes.add(`${op.node}@${m.ballot}`);
        if (m.type === 'accepted') acks.add(`${op.node}@${m.ballot}:${m.value}`);
      }
    }
    const initial = initialOf(spec, at);
    const violations: InvariantCheck['violations'] = [];
    for (const c of caches) {
      for (const s of c.supporters ?? []) {
        if (s === c.leader) continue;
        const ok = c.kind === 'E' ? votes.has(`${s}@${c.time}`) : acks.has(`${s}@${c.time}:${cacheNoOf(c.parent ?? '')}`);
        if (!ok) violations.push({ message: `Supporter: ${c.kind === 'E' ? 'election' : 'commit'} ${c.id} by ${c.leader} counts ${s}, whose ${c.kind === 'E' ? 'vote' : 'ack'} is no SEND of the history`, ops: opOf.has(c.id) ? [opOf.get(c.id)!] : [] });
      }
    }
    const commits = caches.filter((c) => c.kind === 'C').length;
    const summary = `${commits} commits and ${caches.filter((c) => c.kind === 'R').length} reconfigurations in ${caches.length} caches, ${messages} messages sent; every supporter's vote or ack ${violations.length ? 'not ' : ''}found among them`;
    if (commits === 0) return { summary: '', unknown: `nothing was committed (${summary}): nothing is certified`, violations, cacheTree: { initial, caches, opOf } };
    return { summary, violations, cacheTree: { initial, caches, opOf } };
  },
  snapshot: () => [],
};

function msgOf(v: Json | undefined): Msg | undefined {
  const b = bytesFromJson(v);
  const m = b && decodeMsg(b);
  return typeof m === 'object' ? m : undefined;
}
