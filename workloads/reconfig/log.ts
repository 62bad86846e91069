// The reconfigurable log over messages: every node a replica and a would-be leader, every pull,
// vote, push and ack one 40-byte SEND (Paxos's wire format: ballot = timestamp, value = the cache
// pushed, accBallot/accValue = a voter's cache). A follower that hears no leader for a randomized
// while stands as a candidate; a leader appends a method, or every few commits a reconfiguration,
// and pushes it until a quorum of the configuration there acks. The replicas' state lives here,
// with the roles (the controller's memory): a node's crash kills its agent and QPs, not it; the
// node's role starts again as a follower.
import type { OpDescriptor } from '../../agents';
import { bytesFromJson } from '../../agents';
import { mulberry32, type Cache, type HistoryEvent } from '../../harness/core';
import { decodeMsg, messageLanes } from '../paxos';
import { CacheStore, RNode, ROOT_NO, type Condition, type Out } from './protocol';

export interface ReconfigLogOptions {
  nodes: readonly string[];
  initial: readonly string[];
  seed: number;
  unsafe: readonly Condition[];
  /** a leader asks for a reconfiguration after this many of its commits */
  reconfigEvery: number;
  /** a push or a candidacy unanswered this long is tried again (default 250 ms) */
  retryMs?: number;
  post(from: string, to: string, ops: OpDescriptor[]): Promise<unknown>;
  received(node: string): HistoryEvent[];
  incarnation(node: string): number;
  /** every cache a node made, as it made it */
  made(c: Cache, node: string): void;
  going(): boolean;
}

export interface ReconfigLogOutcome {
  sent: number;
  received: number;
  commits: number;
  reconfigs: number;
  /** reconfigurations a condition held back */
  held: number;
  elections: number;
}

export async function runReconfigLog(o: ReconfigLogOptions): Promise<ReconfigLogOutcome> {
  const rnd = mulberry32(o.seed);
  const pick = (n: number): number => Math.floor(rnd() * n);
  const retryMs = o.retryMs ?? 250;
  const store = new CacheStore(o.initial);
  const nodes = o.nodes.map((_, i) => new RNode({ id: i + 1, names: o.nodes, store, unsafe: o.unsafe }));
  const lanes = messageLanes(o.post);
  const seen = o.nodes.map((n) => o.incarnation(n));
  const out: ReconfigLogOutcome = { sent: 0, received: 0, commits: 0, reconfigs: 0, held: 0, elections: 0 };
  // when each node stands if it hears no leader or candidate before
  const patience = (): number => retryMs * (2 + 2 * rnd());
  const standAt = o.nodes.map(() => Date.now() + patience());
  const lastTry = o.nodes.map(() => 0);
  let step = 0;
  const made = (i: number) => (c: Cache): void => {
    if (c.kind === 'E') out.elections++;
    o.made(c, o.nodes[i]!);
  };
  // the root too is a cache of the history: the initial state, in the initial configuration
  o.made(store.caches.get(ROOT_NO)!, '');
  const send = (i: number, msgs: Out[]): void => {
    for (const x of msgs) lanes.send(o.nodes[i]!, o.nodes[x.to - 1]!, x.msg);
  };

  while (lanes.failure === undefined && o.going()) {
    const now = Date.now();
    nodes.forEach((n, i) => {
      const inc = o.incarnation(o.nodes[i]!);
      if (inc !== seen[i]) {
        // its process died: the role starts over, the replica's state outlived it
        seen[i] = inc;
        n.mode = 'follower';
        n.pending = undefined;
        standAt[i] = now + patience();
      }
    });
    for (const [i, name] of o.nodes.entries()) {
      for (const e of o.received(name)) {
        const m = decodeMsg(bytesFromJson(e.result) ?? Buffer.alloc(0));
        if (typeof m === 'string') continue; // not a message of ours
        out.received++;
        if (m.type === 'prepare' || m.type === 'accept') standAt[i] = now + patience();
        send(i, nodes[i]!.receive(m, made(i)));
      }
    }
    nodes.forEach((n, i) => {
      if (n.mode === 'leader') {
        if (n.pending && !n.pipelining) {
          if (now - lastTry[i]! >= retryMs) {
            lastTry[i] = now;
            send(i, n.retryPush(made(i)));
          }
          return;
        }
        lastTry[i] = now;
        send(i, n.next(`put ${++step}`, o.reconfigEvery, pick, made(i)));
        return;
      }
      // a follower that heard nobody, or a candidate not elected in time, stands (again); a node
      // its own log has removed does not, or it would only raise every timestamp
      if (now >= standAt[i]! && store.configAt(n.head).includes(o.nodes[i]!)) {
        standAt[i] = now + patience();
        send(i, n.campaign());
      }
    });
    lanes.pump();
    await new Promise((ok) => setTimeout(ok, 5));
  }
  await lanes.drain();
  if (lanes.failure !== undefined) throw lanes.failure;
  for (const n of nodes) {
    out.commits += n.commits;
    out.reconfigs += n.reconfigs;
    out.held += n.held;
  }
  out.sent = lanes.sent;
  return out;
}
