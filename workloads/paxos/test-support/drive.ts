// Drives Paxos over real SEND/RECV through agents: every message is one SEND whose payload is
// the encoded message, received with its bytes on a recvBytes connection. The proposers and the
// acceptors' rules run here, in the controller (the acceptor's slot state stands for its
// memory); what travels between the nodes is RDMA. Each step, a seeded subset of the senders'
// queued messages goes out as one slice per (agent, peer), the receives that come back are
// decoded and handed to their role, and a proposer that hears nothing for a step retries.
import { bytesFromJson, type AgentClient, type OpDescriptor } from '../../../agents';
import { mulberry32, type HistoryEvent } from '../../../harness/core';
import type { Accepted, Decided, PaxosRecords, Proposed } from '../checks';
import { EMPTY_SLOT, Proposer, acceptorStep, type AcceptorSlot } from '../protocol';
import { decodeMsg, encodeMsg, type Msg } from '../wire';

export interface PaxosDriveOptions {
  /** agents[k]: node k+1, distinct nodes; proposer p runs on agents[p-1], acceptor a on agents[a-1] (a receive's type says which role it is for) */
  agents: readonly AgentClient[];
  proposers: number;
  acceptors: number;
  slots: number;
  seed: number;
  maxSteps?: number;
  ignoreHighestAccepted?: boolean;
}

export interface PaxosDriven extends PaxosRecords {
  steps: number;
  sent: number;
  received: number;
  commitMs: number[];
}

export const valueOf = (p: number, slot: number): number => p * 1000 + slot;

interface Queued {
  from: number;
  to: number;
  msg: Msg;
}

export async function drivePaxos(o: PaxosDriveOptions): Promise<PaxosDriven> {
  const rnd = mulberry32(o.seed);
  const agents = o.agents;
  const proposers = Array.from({ length: o.proposers }, (_, i) => new Proposer({ id: i + 1, proposers: o.proposers, acceptors: o.acceptors, ...(o.ignoreHighestAccepted ? { ignoreHighestAccepted: true } : {}) }));
  const slots = Array.from({ length: o.acceptors }, () => new Map<number, AcceptorSlot>());
  const accepted: Accepted[] = [];
  const proposed: Proposed[] = [];
  const decided: Decided[] = [];
  const commitMs: number[] = [];
  const began = proposers.map(() => Date.now());
  const cursor = agents.map((a) => a.history.length);
  let queue: Queued[] = [];
  const quiet = proposers.map(() => 0);
  let sent = 0;
  let received = 0;
  let slice = 0;
  const open = (p: Proposer, slot: number): void => {
    proposed.push({ proposer: p.o.id, instance: slot, value: valueOf(p.o.id, slot) });
    began[p.o.id - 1] = Date.now();
    for (const x of p.start(slot, valueOf(p.o.id, slot))) queue.push({ from: p.o.id, to: x.to, msg: x.msg });
  };
  for (const p of proposers) open(p, 1);
  let step = 0;
  for (; step < (o.maxSteps ?? 4000) && decided.length < o.proposers * o.slots; step++) {
    // a seeded subset of the senders moves: dueling proposers settle
    const movers = new Set(agents.map((_, i) => i + 1).filter(() => rnd() < 0.7));
    const now = queue.filter((q) => movers.has(q.from));
    queue = queue.filter((q) => !movers.has(q.from));
    const groups = new Map<string, Queued[]>();
    for (const q of now) (groups.get(`${q.from}>${q.to}`) ?? groups.set(`${q.from}>${q.to}`, []).get(`${q.from}>${q.to}`)!).push(q);
    await Promise.all(
      [...groups.values()].map(async (g) => {
        const from = agents[g[0]!.from - 1]!;
        const to = agents[g[0]!.to - 1]!;
        await from.runSlice({ slice: `px${slice++}`, peer: to.node, policy: 'none', ops: g.map((q): OpDescriptor => ({ f: 'send', data: encodeMsg(q.msg) })) });
      }),
    );
    sent += now.length;
    // the receives of this step's SENDs (a receive flushes within 50 ms)
    const expect = received + now.length;
    const until = Date.now() + 3000;
    const inbox: { at: number; msg: Msg }[] = [];
    const drain = (): void => {
      agents.forEach((a, k) => {
        const h = a.history;
        for (; cursor[k]! < h.length; cursor[k]!++) {
          const e: HistoryEvent = h[cursor[k]!]!;
          if (e.f !== 'recv' || e.type !== 'ok') continue;
          const m = decodeMsg(bytesFromJson(e.result) ?? Buffer.alloc(0));
          if (typeof m === 'string') throw new Error(`${a.node}: a receive that is no message: ${m}`);
          inbox.push({ at: k + 1, msg: m });
          received++;
        }
      });
    };
    drain();
    while (received < expect && Date.now() < until) {
      await new Promise((ok) => setTimeout(ok, 10));
      drain();
    }
    for (const { at, msg } of inbox) {
      if (msg.type === 'prepare' || msg.type === 'accept') {
        const a = at;
        const { slot, reply } = acceptorStep(slots[a - 1]!.get(msg.instance) ?? EMPTY_SLOT, msg, a);
        slots[a - 1]!.set(msg.instance, slot);
        if (reply?.type === 'accepted') accepted.push({ acceptor: a, instance: msg.instance, ballot: reply.ballot, value: reply.value, source: `acceptor ${a} accepted (step ${step})` });
        if (reply) queue.push({ from: a, to: msg.sender, msg: reply });
        continue;
      }
      const p = proposers[at - 1]!;
      for (const x of p.receive(msg)) queue.push({ from: p.o.id, to: x.to, msg: x.msg });
      if (p.phase === 'decided' && p.decided && p.decided.instance === p.instance) {
        decided.push({ proposer: p.o.id, instance: p.decided.instance, ballot: p.decided.ballot, value: p.decided.value, source: `proposer ${p.o.id} decided (step ${step})` });
        commitMs.push(Date.now() - began[p.o.id - 1]!);
        if (p.instance < o.slots) open(p, p.instance + 1);
        else p.phase = 'idle';
      }
    }
    // a proposer that heard nothing for two steps, with nothing of its own queued, times out:
    // a higher ballot (a nacked or outvoted ballot ends this way)
    for (const p of proposers) {
      const heard = inbox.some((x) => x.at === p.o.id && (x.msg.type === 'promise' || x.msg.type === 'accepted' || x.msg.type === 'nack'));
      const waiting = queue.some((q) => q.from === p.o.id || q.to === p.o.id);
      quiet[p.o.id - 1] = heard || waiting ? 0 : quiet[p.o.id - 1]! + 1;
      if (quiet[p.o.id - 1]! >= 2 && (p.phase === 'prepare' || p.phase === 'accept')) {
        quiet[p.o.id - 1] = 0;
        for (const x of p.retry()) queue.push({ from: p.o.id, to: x.to, msg: x.msg });
      }
    }
  }
  // the acceptors' slots at the end, as a snapshot reads them
  slots.forEach((m, i) => {
    for (const [instance, s] of m) if (s.accBallot > 0) accepted.push({ acceptor: i + 1, instance, ballot: s.accBallot, value: s.accValue, source: `end: acceptor ${i + 1}'s slot` });
  });
  return { acceptors: o.acceptors, accepted, proposed, decided, steps: step, sent, received, commitMs };
}
