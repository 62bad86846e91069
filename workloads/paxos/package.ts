// paxos as a campaign workload: proposers and acceptors on the cluster's nodes, every prepare,
// promise, accept and accepted one 40-byte SEND, a replicated log decided for the run's
// duration. Its check is its own, over the history: I1 and I2 over every `accepted` an acceptor
// sent and the acceptors' slots at the end, Agreement and Validity over the decisions.
import { z } from 'zod';
import { bytesFromJson } from '../../agents';
import { NodeName, percentile, type HistoryEvent, type Json } from '../../harness/core';
import { instant, oneRolePerClient, ownK, type Placement, type WorkloadPackage, type WorkloadSpec } from '../types';
import { checkPaxos, type Accepted, type Decided } from './checks';
import { runPaxosLog, valueOf } from './log';
import type { AcceptorSlot } from './protocol';
import { decodeMsg, type Msg } from './wire';

const Params = z
  .object({
    /** the proposers' nodes (default: the clients) */
    proposers: z.array(NodeName).min(1).optional(),
    /** the log's length */
    slots: z.number().int().min(1).max(1_000_000).default(100_000),
    bug: z.enum(['ignore-highest-accepted', 'forget-promises-on-restart']).optional(),
  })
  .strict();
type Params = z.infer<typeof Params>;

/** the acceptors are the clients (every node of the workload); the proposers a subset */
const acceptorsOf = (_spec: WorkloadSpec<Params>, at: Pick<Placement, 'clients'>): string[] => at.clients;
const proposersOf = (spec: WorkloadSpec<Params>, at: Pick<Placement, 'clients'>): string[] => spec.proposers ?? at.clients;
const slotKey = (slot: number): string => `paxos@${slot}`;
const acceptorKey = (a: number, slot: number): string => `acceptor@${a}:${slot}`;
/** the snapshot reader's own process (decide events use k = the proposer) */
const SNAPSHOT_K = 999;
/** receive buffers per connection: a proposer's batch to one acceptor is a few messages */
const RECV_DEPTH = 256;

export const paxos: WorkloadPackage<Params> = {
  name: 'paxos',
  summary: 'Paxos over SEND/RECV (a replicated log): proposers and acceptors exchange self-describing 40-byte messages',
  params: Params,
  checks: ['invariants'],
  patterns: [],
  // SEND/RECV, but not a stream workload: no receiver drains and marks per-client streams
  recvBytes: true,
  ownPairs: true,
  misplaced(spec, at) {
    const placed = oneRolePerClient(spec, 'paxos', 'acceptor');
    if (placed) return placed;
    const stray = proposersOf(spec, at).find((n) => !at.clients.includes(n));
    if (stray) return { field: 'proposers', message: `paxos: proposer ${stray} is not one of the clients (${at.clients.join(', ')})` };
    return undefined;
  },
  peers: (spec, at) => acceptorsOf(spec, at),
  // proposers send to every acceptor, acceptors answer proposers: nothing else is connected
  links(spec, at) {
    const out = new Map<string, [string, string]>();
    for (const p of proposersOf(spec, at)) {
      for (const a of acceptorsOf(spec, at)) {
        out.set(`${p}>${a}`, [p, a]);
        out.set(`${a}>${p}`, [a, p]);
      }
    }
    return [...out.values()];
  },
  keys(spec, at) {
    const streams = paxos.links!(spec, at).map(([f, t]) => `${f}->${t}`);
    return ['paxos@', 'acceptor@', ...streams];
  },
  recvDepth: () => RECV_DEPTH,
  regions: () => ({}),
  sliceSize: () => 64,
  async drive(spec, ctx) {
    const at = { clients: [...ctx.clients] };
    const proposers = proposersOf(spec, at);
    const acceptors = acceptorsOf(spec, at);
    const t0 = Date.now();
    /** one read per acceptor slot in use; label '' is the final snapshot, else a fault boundary's */
    const acceptorReads = (slots: readonly ReadonlyMap<number, AcceptorSlot>[], label: string): HistoryEvent[] => {
      const out: HistoryEvent[] = [];
      slots.forEach((m, i) => {
        for (const [slot, s] of m) {
          if (s.accBallot === 0 && s.promised === 0) continue;
          const e = { process: ctx.process(SNAPSHOT_K), f: 'read' as const, key: label ? `${acceptorKey(i + 1, slot)}#${label}` : acceptorKey(i + 1, slot), node: acceptors[i]!, ...(label ? {} : { final: true }) };
          out.push(...instant(e, ctx.now(), { promised: s.promised, accBallot: s.accBallot, accValue: s.accValue }));
        }
      });
      return out;
    };
    let state: (() => readonly ReadonlyMap<number, AcceptorSlot>[]) | undefined;
    ctx.onFaultBoundary((label) => {
      if (state) ctx.record(acceptorReads(state(), label));
    });
    const r = await runPaxosLog({
      acceptorState: (get) => void (state = get),
      proposers,
      acceptors,
      seed: ctx.seed,
      slots: spec.slots,
      ...(spec.bug === 'ignore-highest-accepted' ? { ignoreHighestAccepted: true } : {}),
      ...(spec.bug === 'forget-promises-on-restart' ? { forgetPromisesOnRestart: true } : {}),
      post: (from, to, ops) => ctx.post(from, to, ops),
      received: (n) => ctx.received(n),
      incarnation: (n) => ctx.incarnation(n),
      decided(d) {
        ctx.record(instant({ process: ctx.process(d.proposer), f: 'decide', key: slotKey(d.instance), value: d.value, node: proposers[d.proposer - 1]! }, ctx.now()));
      },
      going: ctx.going,
    });
    // the acceptors' slots, read where they live (here, with the roles), as the final snapshot
    ctx.record(acceptorReads(r.acceptors, ''));
    const p50 = percentile([...r.commitMs].sort((a, b) => a - b), 0.5);
    return `${r.decisions} decisions by ${proposers.length} proposer(s) with ${acceptors.length} acceptors in ${((Date.now() - t0) / 1000).toFixed(1)} s (${r.sent} messages sent, ${r.received} received, commit p50 ${p50.toFixed(1)} ms${r.forgot ? `, ${r.forgot} acceptor restart(s) forgot their promises` : ''})`;
  },
  check(spec, ops, at) {
    const proposers = proposersOf(spec, at);
    const acceptors = acceptorsOf(spec, at);
    const accepted: Accepted[] = [];
    const decided: Decided[] = [];
    let messages = 0;
    const boundaries = new Set<string>();
    for (const op of ops) {
      const src = `op ${op.id}: ${op.f} ${String(op.key)} (${op.status})`;
      if (op.f === 'decide') {
        if (op.status === 'ok') decided.push({ proposer: ownK(op.process), instance: Number(String(op.key).slice('paxos@'.length)), ballot: 0, value: Number(op.value), source: src });
      } else if (op.f === 'send') {
        // every accepted an acceptor sent: it accepted then, whether or not it arrived
        const m = msgOf(op.value);
        if (!m) continue;
        messages++;
        if (m.type === 'accepted' && acceptors.includes(op.node ?? '')) accepted.push({ acceptor: m.sender, instance: m.instance, ballot: m.ballot, value: m.value, source: src });
      } else if (op.f === 'read' && op.status === 'ok' && String(op.key).startsWith('acceptor@')) {
        // the final snapshot (final), or one at a fault boundary (#label)
        const [where, label] = String(op.key).slice('acceptor@'.length).split('#') as [string, string | undefined];
        if (!op.final && label === undefined) continue;
        if (label !== undefined) boundaries.add(label);
        const [a, slot] = where.split(':').map(Number) as [number, number];
        const s = op.result as { accBallot?: number; accValue?: number } | undefined;
        if (s?.accBallot) accepted.push({ acceptor: a, instance: slot, ballot: s.accBallot, value: s.accValue ?? 0, source: `op ${op.id}: ${label ?? 'end'}: acceptor ${a}'s slot ${slot}` });
      }
    }
    const slots = new Set([...decided, ...accepted].map((x) => x.instance));
    const proposed = [...slots].flatMap((instance) => proposers.map((_, i) => ({ proposer: i + 1, instance, value: valueOf(i + 1, instance) })));
    const found = checkPaxos({ acceptors: acceptors.length, accepted, proposed, decided });
    const idsOf = (evidence: string[]): number[] => evidence.flatMap((x) => /^op (\d+):/.exec(x)?.slice(1).map(Number) ?? []);
    const violations = found.map((v) => ({ message: `${v.invariant}: ${v.message}`, ops: idsOf(v.evidence) }));
    const what = `${decided.length} decisions of ${new Set(decided.map((d) => d.instance)).size} slots, ${messages} messages sent, ${accepted.length} accepted proposals (messages and the acceptors' slots at the end${boundaries.size ? ` and at ${boundaries.size} fault boundaries` : ''})`;
    if (decided.length === 0) return { summary: '', unknown: `nothing was decided (${what}): nothing is certified`, violations };
    return { summary: found.length ? `${found.length} invariant violation(s) in ${what}` : `I1, I2, Agreement and Validity hold on ${what}`, violations };
  },
  snapshot: () => [],
};

function msgOf(v: Json | undefined): Msg | undefined {
  const b = bytesFromJson(v);
  const m = b && decodeMsg(b);
  return typeof m === 'object' ? m : undefined;
}
