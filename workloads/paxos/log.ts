// The replicated log over messages: Paxos proposers and acceptors deciding slot after slot.
// Each message is one SEND (its 40 bytes describe it); sends go out in batches per lane (a
// node toward a node), receives are polled and handed to their role. A proposer that hears
// nothing in time, or is outvoted, retries higher after a randomized backoff. The acceptors'
// slots live here, with the roles (the controller's memory): a node's crash kills its agent
// and QPs, not them, unless the forget-promises-on-restart bug is switched on.
import type { OpDescriptor } from '../../agents';
import { bytesFromJson } from '../../agents';
import { mulberry32, type HistoryEvent } from '../../harness/core';
import { EMPTY_SLOT, Proposer, acceptorStep, type AcceptorSlot } from './protocol';
import { messageLanes } from './lanes';
import { decodeMsg, type Msg } from './wire';

/** proposer p's value for a slot: distinct per (p, slot), never 0 */
export const valueOf = (p: number, slot: number): number => p * 1_000_000 + slot;

export interface PaxosLogOptions {
  /** proposer i's node (1-based: proposers[i - 1]) and acceptor a's node */
  proposers: readonly string[];
  acceptors: readonly string[];
  seed: number;
  slots: number;
  ignoreHighestAccepted?: boolean;
  forgetPromisesOnRestart?: boolean;
  /** a proposer that heard no answer for this long retries (default 300 ms) */
  retryMs?: number;
  /** send these messages from `from` to `to`, in order */
  post(from: string, to: string, ops: OpDescriptor[]): Promise<unknown>;
  /** the receives a node got since the last call */
  received(node: string): HistoryEvent[];
  /** times a node's agent was replaced (its node restarted) */
  incarnation(node: string): number;
  /** handed the acceptors' slots as they are, once at the start: a snapshot reads them at fault boundaries */
  acceptorState?(get: () => readonly ReadonlyMap<number, AcceptorSlot>[]): void;
  decided(d: { proposer: number; instance: number; ballot: number; value: number }): void;
  going(): boolean;
}

export interface PaxosLogOutcome {
  sent: number;
  received: number;
  decisions: number;
  commitMs: number[];
  /** each acceptor's slots at the end, where they live */
  acceptors: Map<number, AcceptorSlot>[];
  /** acceptors that lost their state at a restart (the bug switch) */
  forgot: number;
}

export async function runPaxosLog(o: PaxosLogOptions): Promise<PaxosLogOutcome> {
  const rnd = mulberry32(o.seed);
  const P = o.proposers.length;
  const A = o.acceptors.length;
  const props = o.proposers.map((_, i) => new Proposer({ id: i + 1, proposers: P, acceptors: A, ...(o.ignoreHighestAccepted ? { ignoreHighestAccepted: true } : {}) }));
  const slots = o.acceptors.map(() => new Map<number, AcceptorSlot>());
  const seenIncarnation = o.acceptors.map((n) => o.incarnation(n));
  o.acceptorState?.(() => slots);
  const began = props.map(() => Date.now());
  const heard = props.map(() => Date.now());
  const waitUntil = props.map(() => 0);
  const lanes = messageLanes(o.post);
  const nodes = [...new Set([...o.proposers, ...o.acceptors])];
  const out: PaxosLogOutcome = { sent: 0, received: 0, decisions: 0, commitMs: [], acceptors: slots, forgot: 0 };
  const retryMs = o.retryMs ?? 300;
  const fromProposer = (i: number, msgs: { to: number; msg: Msg }[]): void => {
    for (const x of msgs) lanes.send(o.proposers[i]!, o.acceptors[x.to - 1]!, x.msg);
  };
  const open = (i: number, slot: number): void => {
    began[i] = heard[i] = Date.now();
    fromProposer(i, props[i]!.start(slot, valueOf(i + 1, slot)));
  };
  props.forEach((_, i) => open(i, 1));

  while (lanes.failure === undefined && o.going()) {
    for (const [a, node] of o.acceptors.entries()) {
      const inc = o.incarnation(node);
      if (inc !== seenIncarnation[a]) {
        seenIncarnation[a] = inc;
        // the bug: promises and accepted proposals kept in memory that died with the node
        if (o.forgetPromisesOnRestart) {
          slots[a]!.clear();
          out.forgot++;
        }
      }
    }
    for (const node of nodes) {
      for (const e of o.received(node)) {
        const m = decodeMsg(bytesFromJson(e.result) ?? Buffer.alloc(0));
        if (typeof m === 'string') continue; // not a message of ours
        out.received++;
        if (m.type === 'prepare' || m.type === 'accept') {
          const a = o.acceptors.indexOf(node);
          if (a < 0) continue;
          const { slot, reply } = acceptorStep(slots[a]!.get(m.instance) ?? EMPTY_SLOT, m, a + 1);
          slots[a]!.set(m.instance, slot);
          if (reply) lanes.send(node, o.proposers[m.sender - 1]!, reply);
          continue;
        }
        const i = o.proposers.indexOf(node);
        if (i < 0) continue;
        const p = props[i]!;
        if (m.instance === p.instance && m.ballot === p.ballot) heard[i] = Date.now();
        fromProposer(i, p.receive(m));
        if (p.phase === 'decided' && p.decided && p.decided.instance === p.instance) {
          o.decided({ proposer: i + 1, ...p.decided });
          out.decisions++;
          out.commitMs.push(Date.now() - began[i]!);
          if (p.instance < o.slots) open(i, p.instance + 1);
          else p.phase = 'idle';
        }
      }
    }
    const now = Date.now();
    props.forEach((p, i) => {
      if ((p.phase !== 'prepare' && p.phase !== 'accept') || now - heard[i]! < retryMs || now < waitUntil[i]!) return;
      // outvoted or unheard: a higher ballot after a randomized backoff, so duels settle
      if (waitUntil[i] === 0) waitUntil[i] = now + Math.floor(rnd() * retryMs);
      else {
        waitUntil[i] = 0;
        heard[i] = now;
        fromProposer(i, p.retry());
      }
    });
    lanes.pump();
    await new Promise((ok) => setTimeout(ok, 5));
  }
  await lanes.drain();
  if (lanes.failure !== undefined) throw lanes.failure;
  out.sent = lanes.sent;
  return out;
}
