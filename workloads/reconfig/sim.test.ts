// The reconfigurable log against the cache-tree checker, without a cluster. A scripted run of
// the Adore paper's Fig. 4 shape (the single-server-change bug): with R3 switched off the two
// leaders commit on disjoint quorums and the checker names the fork; with R3 enforced the same
// deliveries commit nothing unsafe. Then seeded simulations over a lossy, duplicating,
// partitioning network with crashes: every condition enforced stays safe with reconfigurations
// in every run; R1+ switched off forks (four nodes), and so does R2 switched off (three).
import { checkCacheTree } from '../../harness/checkers';
import type { Cache } from '../../harness/core';
import { CacheStore, RNode, type Condition, type Out } from './protocol';
import { simulateReconfig, type ReconfigSimOptions } from './sim';

const NAMES = ['n1', 'n2', 'n3', 'n4'];

/** four nodes driven by hand: a message goes only where the script lets it */
function cluster(unsafe: Condition[]): { nodes: RNode[]; caches: Cache[]; deliver(from: number, outs: Out[], to: number[]): void } {
  const store = new CacheStore(NAMES);
  const caches: Cache[] = [store.caches.get(0)!];
  const nodes = NAMES.map((_, i) => new RNode({ id: i + 1, names: NAMES, store, unsafe }));
  const made = (c: Cache): void => void caches.push(c);
  // a delivered message's answers go straight back to its sender
  const deliver = (from: number, outs: Out[], to: number[]): void => {
    for (const x of outs) {
      if (!to.includes(x.to)) continue;
      for (const back of nodes[x.to - 1]!.receive(x.msg, made)) if (back.to === from) nodes[from - 1]!.receive(back.msg, made);
    }
  };
  return { nodes, caches, deliver };
}

/** Fig. 4's script: n1 leads at one timestamp and n2 at the next, each cut off from some nodes */
function fig4(unsafe: Condition[]): Cache[] {
  const { nodes, caches, deliver } = cluster(unsafe);
  const [n1, n2] = [nodes[0]!, nodes[1]!];
  const made = (c: Cache): void => void caches.push(c);
  deliver(1, n1.campaign(), [2, 3]); // n1 elected by {n1, n2, n3}
  deliver(1, n1.invoke('put a', ['n1', 'n2', 'n3'], made), []); // removes n4; reaches nobody
  deliver(2, n2.campaign(), [3, 4]); // n2 elected by {n2, n3, n4}, who never saw it
  deliver(2, n2.invoke('put b', ['n2', 'n3', 'n4'], made), [4]); // removes n1; only n4 acks
  deliver(1, n1.campaign(), [3]); // n1 again, with n3 only
  deliver(1, n1.invoke('put c', undefined, made), [3]);
  return caches;
}

test('Fig. 4 with R3 off: two leaders commit on disjoint quorums and the checker names the fork', () => {
  const caches = fig4(['R3']);
  const v = checkCacheTree(caches, NAMES);
  const fork = v.find((x) => x.rule === 'fork');
  expect(fork?.branches?.map((b) => [b.leader, b.supporters.sort(), b.config])).toEqual([
    ['n2', ['n2', 'n4'], ['n2', 'n3', 'n4']],
    ['n1', ['n1', 'n3'], ['n1', 'n2', 'n3']],
  ]);
  // and what broke is R3, for both reconfigurations; every quorum and R1+ held
  expect(v.filter((x) => x.rule !== 'fork').map((x) => x.rule)).toEqual(['R3', 'R3']);
});

test('the same script with R3 enforced: the leaders hold their reconfigurations back, nothing forks', () => {
  const caches = fig4([]);
  expect(caches.filter((c) => c.kind === 'R')).toEqual([]);
  expect(checkCacheTree(caches, NAMES)).toEqual([]);
});

const noisy: Omit<ReconfigSimOptions, 'seed'> = { nodes: NAMES, steps: 6000, loss: 0.1, duplicate: 0.1, crash: 0.005, partition: 0.01, campaign: 0.02 };

test('every condition enforced: 100 seeded runs over loss, duplication, partitions and crashes stay safe, each with reconfigurations', () => {
  for (let seed = 1; seed <= 100; seed++) {
    const r = simulateReconfig({ ...noisy, seed, ...(seed % 2 ? { initial: ['n1', 'n2', 'n3'] } : {}) });
    expect({ seed, violations: checkCacheTree(r.caches, r.initial) }).toEqual({ seed, violations: [] });
    expect({ seed, reconfigs: r.reconfigs >= 3 }).toEqual({ seed, reconfigs: true });
  }
});

test('R1+ off: a change of two members at once lets quorums miss each other, and some seeded runs fork', () => {
  let forks = 0;
  for (let seed = 1; seed <= 100; seed++) {
    const r = simulateReconfig({ ...noisy, seed, unsafe: ['R1+'] });
    const v = checkCacheTree(r.caches, r.initial);
    if (!v.some((x) => x.rule === 'fork')) continue;
    forks++;
    // a fork there always comes with the reconfiguration that broke R1+
    expect(v.some((x) => x.rule === 'R1+')).toBe(true);
  }
  expect(forks).toBeGreaterThan(0);
});

test('R2 off on three nodes: two pipelined removals leave a one-member configuration, and some seeded runs fork', () => {
  let forks = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const r = simulateReconfig({ ...noisy, nodes: NAMES.slice(0, 3), seed, unsafe: ['R2'] });
    const v = checkCacheTree(r.caches, r.initial);
    if (!v.some((x) => x.rule === 'fork')) continue;
    forks++;
    expect(v.some((x) => x.rule === 'R2')).toBe(true);
  }
  expect(forks).toBeGreaterThan(0);
});
