// A seeded simulation of the replicated log over a network that loses, duplicates and reorders
// messages, with acceptors that crash and restart: the protocol and its checks meet here
// before they meet rxe. Each message goes through the wire encoding, as a SEND would.
import { mulberry32 } from '../../harness/core';
import type { Accepted, Decided, PaxosRecords, Proposed } from './checks';
import { acceptorStep, EMPTY_SLOT, Proposer, type AcceptorSlot } from './protocol';
import { decodeMsg, encodeMsg, type Msg } from './wire';

export interface SimOptions {
  seed: number;
  proposers: number;
  acceptors: number;
  /** log slots each proposer works through */
  instances: number;
  /** delivery steps before the run stops */
  steps: number;
  /** per step: chance a message is lost, delivered twice, an acceptor crashes */
  loss?: number;
  duplicate?: number;
  crash?: number;
  /** bug switches */
  ignoreHighestAccepted?: boolean;
  forgetPromisesOnRestart?: boolean;
}

interface Flight {
  /** 'a' to an acceptor, 'p' to a proposer */
  role: 'a' | 'p';
  to: number;
  bytes: Buffer;
}

export function simulatePaxos(o: SimOptions): PaxosRecords & { decisions: number } {
  const rnd = mulberry32(o.seed);
  const pick = (n: number): number => Math.floor(rnd() * n);
  const acceptors: Map<number, AcceptorSlot>[] = Array.from({ length: o.acceptors + 1 }, () => new Map());
  const proposers = Array.from({ length: o.proposers }, (_, i) => new Proposer({ id: i + 1, proposers: o.proposers, acceptors: o.acceptors, ignoreHighestAccepted: o.ignoreHighestAccepted }));
  const accepted: Accepted[] = [];
  const proposed: Proposed[] = [];
  const decided: Decided[] = [];
  const net: Flight[] = [];
  const send = (role: 'a' | 'p', to: number, msg: Msg): void => void net.push({ role, to, bytes: encodeMsg(msg) });
  const value = (p: number, instance: number): number => p * 1_000_000 + instance;
  const open = (p: Proposer, instance: number): void => {
    proposed.push({ proposer: p.o.id, instance, value: value(p.o.id, instance) });
    for (const x of p.start(instance, value(p.o.id, instance))) send('a', x.to, x.msg);
  };
  for (const p of proposers) open(p, 1);

  for (let step = 0; step < o.steps; step++) {
    const r = rnd();
    if (r < (o.crash ?? 0)) {
      // an acceptor restarts: its slots survive (kept outside the process) unless the bug is on
      const a = 1 + pick(o.acceptors);
      if (o.forgetPromisesOnRestart) acceptors[a]!.clear();
      continue;
    }
    if (net.length === 0 || r < (o.crash ?? 0) + 0.02) {
      // a proposer's timeout: a higher ballot for its slot
      const p = proposers[pick(proposers.length)]!;
      if (p.phase === 'prepare' || p.phase === 'accept') for (const x of p.retry()) send('a', x.to, x.msg);
      continue;
    }
    const i = pick(net.length);
    const f = net[i]!;
    if (rnd() >= (o.duplicate ?? 0)) net.splice(i, 1);
    if (rnd() < (o.loss ?? 0)) continue;
    const m = decodeMsg(f.bytes);
    if (typeof m === 'string') throw new Error(`simulated network: ${m}`);
    if (f.role === 'a') {
      const slots = acceptors[f.to]!;
      const { slot, reply } = acceptorStep(slots.get(m.instance) ?? EMPTY_SLOT, m, f.to);
      slots.set(m.instance, slot);
      if (reply?.type === 'accepted') accepted.push({ acceptor: f.to, instance: m.instance, ballot: reply.ballot, value: reply.value, source: `step ${step}: acceptor ${f.to} accepted` });
      if (reply) send('p', m.sender, reply);
    } else {
      const p = proposers[f.to - 1]!;
      for (const x of p.receive(m)) send('a', x.to, x.msg);
      if (p.phase === 'decided' && p.decided) {
        decided.push({ proposer: p.o.id, instance: p.decided.instance, ballot: p.decided.ballot, value: p.decided.value, source: `step ${step}: proposer ${p.o.id} decided` });
        if (p.instance < o.instances) open(p, p.instance + 1);
        else p.phase = 'idle';
      }
    }
  }
  // the acceptors' slots at the end, as a snapshot would read them
  acceptors.forEach((slots, a) => {
    for (const [instance, s] of slots) if (s.accBallot > 0) accepted.push({ acceptor: a, instance, ballot: s.accBallot, value: s.accValue, source: `end: acceptor ${a}'s slot` });
  });
  return { acceptors: o.acceptors, accepted, proposed, decided, decisions: decided.length };
}
