// Single-decree Paxos per log slot, as state machines without I/O: the agent (or a test's
// simulated network) delivers messages and sends what they return. The acceptor's rule is the
// inductive invariant's (Disel's Paxos): promise ballot b only if b >= promised, accept (b, v)
// only if b >= promised. Ballots are unique per proposer: proposer i of P uses i, i+P, i+2P...
import { nextBallot } from '../../harness/core';
import type { Msg } from './wire';

export interface AcceptorSlot {
  promised: number;
  accBallot: number;
  accValue: number;
}

export const EMPTY_SLOT: AcceptorSlot = { promised: 0, accBallot: 0, accValue: 0 };

/**
 * An acceptor's answer to a prepare or an accept, and its slot after it. A duplicate of a
 * message it already answered gets the same answer again: >= rather than >, so a re-delivered
 * prepare or accept is harmless, and a proposer waiting for that answer still gets it.
 */
export function acceptorStep(slot: AcceptorSlot, m: Msg, self: number): { slot: AcceptorSlot; reply?: Msg } {
  const base = { instance: m.instance, ballot: m.ballot, sender: self, value: 0, accBallot: 0, accValue: 0 };
  if (m.type === 'prepare') {
    if (m.ballot < slot.promised) return { slot, reply: { ...base, type: 'nack', value: slot.promised } };
    const next = { ...slot, promised: m.ballot };
    return { slot: next, reply: { ...base, type: 'promise', accBallot: slot.accBallot, accValue: slot.accValue } };
  }
  if (m.type === 'accept') {
    if (m.ballot < slot.promised) return { slot, reply: { ...base, type: 'nack', value: slot.promised } };
    return { slot: { promised: m.ballot, accBallot: m.ballot, accValue: m.value }, reply: { ...base, type: 'accepted', value: m.value } };
  }
  return { slot };
}

/** a message to send: `to` is an acceptor index (1..A) */
export interface Out {
  to: number;
  msg: Msg;
}

export interface ProposerOptions {
  /** this proposer's index, 1..proposers */
  id: number;
  proposers: number;
  acceptors: number;
  /** bug switch: phase 2 proposes its own value, whatever the promises carried */
  ignoreHighestAccepted?: boolean;
}

export interface Decision {
  instance: number;
  ballot: number;
  value: number;
}

/**
 * One proposer working through one slot at a time. `start` opens a slot with its own value;
 * `receive` takes an acceptor's answer; `retry` (on a timeout or a nack) starts a higher
 * ballot. Each returns the messages to send. `decided` is set once a majority accepted.
 */
export class Proposer {
  readonly o: ProposerOptions;
  instance = 0;
  own = 0;
  ballot = 0;
  phase: 'idle' | 'prepare' | 'accept' | 'decided' = 'idle';
  /** the value phase 2 carries */
  value = 0;
  decided?: Decision;
  private highestSeen = 0;
  private promises = new Map<number, { accBallot: number; accValue: number }>();
  private accepts = new Set<number>();

  constructor(o: ProposerOptions) {
    this.o = o;
  }

  private get majority(): number {
    return Math.floor(this.o.acceptors / 2) + 1;
  }

  private toAll(type: 'prepare' | 'accept', value: number): Out[] {
    const out: Out[] = [];
    for (let a = 1; a <= this.o.acceptors; a++) out.push({ to: a, msg: { type, instance: this.instance, ballot: this.ballot, sender: this.o.id, value, accBallot: 0, accValue: 0 } });
    return out;
  }

  start(instance: number, value: number): Out[] {
    this.instance = instance;
    this.own = value;
    this.decided = undefined;
    this.highestSeen = 0;
    this.ballot = 0;
    return this.retry();
  }

  /** phase 1 again with a ballot above every one seen in this slot */
  retry(): Out[] {
    if (this.phase === 'decided' && this.decided?.instance === this.instance) return [];
    this.ballot = nextBallot(this.o.id, this.o.proposers, Math.max(this.ballot, this.highestSeen));
    this.phase = 'prepare';
    this.promises.clear();
    this.accepts.clear();
    return this.toAll('prepare', 0);
  }

  receive(m: Msg): Out[] {
    if (m.instance !== this.instance) return [];
    if (m.type === 'nack') {
      this.highestSeen = Math.max(this.highestSeen, m.value);
      return [];
    }
    // an answer to an older ballot (late, or duplicated by a replay) counts for nothing
    if (m.ballot !== this.ballot) return [];
    if (m.type === 'promise' && this.phase === 'prepare') {
      this.promises.set(m.sender, { accBallot: m.accBallot, accValue: m.accValue });
      if (this.promises.size < this.majority) return [];
      let best = { accBallot: 0, accValue: 0 };
      for (const p of this.promises.values()) if (p.accBallot > best.accBallot) best = p;
      this.value = best.accBallot > 0 && !this.o.ignoreHighestAccepted ? best.accValue : this.own;
      this.phase = 'accept';
      return this.toAll('accept', this.value);
    }
    if (m.type === 'accepted' && this.phase === 'accept') {
      this.accepts.add(m.sender);
      if (this.accepts.size >= this.majority) {
        this.phase = 'decided';
        this.decided = { instance: this.instance, ballot: this.ballot, value: this.value };
      }
    }
    return [];
  }
}
