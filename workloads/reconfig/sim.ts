// A seeded simulation of the reconfigurable log over a network that loses, duplicates, reorders
// and partitions messages, with nodes that crash and restart (a replica's state outlives its
// process; its role starts again as a follower). The protocol and the cache-tree checker meet
// here before they meet rxe. Each message goes through the wire encoding, as a SEND would.
import { mulberry32, type Cache } from '../../harness/core';
import { decodeMsg, encodeMsg } from '../paxos';
import { CacheStore, RNode, type Condition, type Made } from './protocol';

export interface ReconfigSimOptions {
  seed: number;
  /** node names; the initial configuration is `initial` (default: all) */
  nodes: readonly string[];
  initial?: readonly string[];
  steps: number;
  unsafe?: readonly Condition[];
  /** per delivery: chance a message is lost, delivered twice */
  loss?: number;
  duplicate?: number;
  /** per step: chance a node crashes, a follower times out and campaigns, the partition changes */
  crash?: number;
  campaign?: number;
  partition?: number;
  /** a leader asks for a reconfiguration after this many of its commits (default 3) */
  reconfigEvery?: number;
}

export interface ReconfigSimOutcome {
  caches: Cache[];
  initial: string[];
  commits: number;
  reconfigs: number;
  held: number;
}

export function simulateReconfig(o: ReconfigSimOptions): ReconfigSimOutcome {
  const rnd = mulberry32(o.seed);
  const pick = (n: number): number => Math.floor(rnd() * n);
  const initial = [...(o.initial ?? o.nodes)];
  const store = new CacheStore(initial);
  const nodes = o.nodes.map((_, i) => new RNode({ id: i + 1, names: o.nodes, store, ...(o.unsafe ? { unsafe: o.unsafe } : {}) }));
  const caches: Cache[] = [store.caches.get(0)!];
  const made: Made = (c) => void caches.push(c);
  const net: { from: number; to: number; bytes: Buffer }[] = [];
  // side[i]: which side of the current partition node i+1 is on (all 0: none)
  let side = o.nodes.map(() => 0);
  const send = (from: number, outs: { to: number; msg: Parameters<typeof encodeMsg>[0] }[]): void => {
    for (const x of outs) net.push({ from, to: x.to, bytes: encodeMsg(x.msg) });
  };
  const every = o.reconfigEvery ?? 3;
  for (let step = 0; step < o.steps; step++) {
    const r = rnd();
    const n = nodes[pick(nodes.length)]!;
    if (r < (o.crash ?? 0)) {
      // the process dies, its replica's state (time, head) does not; its messages in flight go on
      n.mode = 'follower';
      n.pending = undefined;
      continue;
    }
    if (r < (o.crash ?? 0) + (o.partition ?? 0)) {
      side = rnd() < 0.3 ? o.nodes.map(() => 0) : o.nodes.map(() => pick(2));
      continue;
    }
    if (r < (o.crash ?? 0) + (o.partition ?? 0) + (o.campaign ?? 0.02)) {
      if (n.mode !== 'leader') send(n.o.id, n.campaign());
      else send(n.o.id, n.retryPush(made));
      continue;
    }
    if (r < (o.crash ?? 0) + (o.partition ?? 0) + (o.campaign ?? 0.02) + 0.1) {
      // a leader's next command: a reconfiguration every few commits, else a method
      send(n.o.id, n.next(`put ${step}`, every, pick, made));
      continue;
    }
    if (net.length === 0) continue;
    const i = pick(net.length);
    const f = net[i]!;
    if (rnd() >= (o.duplicate ?? 0)) net.splice(i, 1);
    if (rnd() < (o.loss ?? 0) || side[f.from - 1] !== side[f.to - 1]) continue;
    const m = decodeMsg(f.bytes);
    if (typeof m === 'string') throw new Error(`simulated network: ${m}`);
    send(f.to, nodes[f.to - 1]!.receive(m, made));
  }
  return { caches, initial, commits: nodes.reduce((a, x) => a + x.commits, 0), reconfigs: nodes.reduce((a, x) => a + x.reconfigs, 0), held: nodes.reduce((a, x) => a + x.held, 0) };
}
