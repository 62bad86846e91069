// The cache-tree checker on hand-built trees: the Adore paper's Fig. 4 fork (R3 switched off), a
// safe two-step reconfiguration, a commit without a quorum, an R1+ and an R2 violation, and
// R1+'s arithmetic against brute force over every pair of small configurations.
import { checkCacheTree, isQuorum, quorumsOverlap, type Cache } from '.';

const C0 = ['S1', 'S2', 'S3', 'S4'];
const root: Cache = { id: 'root', kind: 'M', time: 0, leader: '-' };

// Fig. 4's shape (the single-server change bug): S1, leader at time 1, removes S4 without first
// committing at time 1; S2 is elected at time 2 by a quorum of the old four that never saw it,
// adds S5 (again before any commit of its own) and commits on {S2, S4, S5}; S1 is elected at
// time 3 in its three-member configuration by {S1, S3} and commits there. Disjoint quorums.
const FIG4: Cache[] = [
  root,
  { id: 'E1', kind: 'E', parent: 'root', time: 1, leader: 'S1', supporters: ['S1', 'S2', 'S3'] },
  { id: 'R1', kind: 'R', parent: 'E1', time: 1, leader: 'S1', config: ['S1', 'S2', 'S3'] },
  { id: 'E2', kind: 'E', parent: 'root', time: 2, leader: 'S2', supporters: ['S2', 'S3', 'S4'] },
  { id: 'R2', kind: 'R', parent: 'E2', time: 2, leader: 'S2', config: ['S1', 'S2', 'S3', 'S4', 'S5'] },
  { id: 'C2', kind: 'C', parent: 'R2', time: 2, leader: 'S2', supporters: ['S2', 'S4', 'S5'] },
  { id: 'E3', kind: 'E', parent: 'R1', time: 3, leader: 'S1', supporters: ['S1', 'S3'] },
  { id: 'M3', kind: 'M', parent: 'E3', time: 3, leader: 'S1', method: 'put x 1' },
  { id: 'C3', kind: 'C', parent: 'M3', time: 3, leader: 'S1', supporters: ['S1', 'S3'] },
];

test("Fig. 4 with R3 off: the fork is named with both leaders, quorums and configurations, and R3 is what broke", () => {
  const v = checkCacheTree(FIG4, C0);
  expect(v.map((x) => [x.rule, x.caches])).toEqual([
    ['fork', ['C2', 'C3']],
    ['R3', ['R1']],
    ['R3', ['R2']],
  ]);
  const fork = v[0]!;
  expect(fork.branches).toEqual([
    { leader: 'S2', time: 2, config: ['S1', 'S2', 'S3', 'S4', 'S5'], supporters: ['S2', 'S4', 'S5'], path: ['E2', 'R2', 'C2'], commit: 'C2' },
    { leader: 'S1', time: 3, config: ['S1', 'S2', 'S3'], supporters: ['S1', 'S3'], path: ['E1', 'R1', 'E3', 'M3', 'C3'], commit: 'C3' },
  ]);
  expect(fork.message).toBe('the log forks below root: S2 committed C2 at time 2 with {S2, S4, S5} of {S1, S2, S3, S4, S5}, and S1 committed C3 at time 3 with {S1, S3} of {S1, S2, S3}');
  // every election and commit had its quorum, and each change was of one member (R1+ holds):
  // the tree is wrong only where R3 was skipped
  expect(v.some((x) => x.rule === 'quorum' || x.rule === 'R1+' || x.rule === 'R2')).toBe(false);
});

test('a safe two-step reconfiguration, each step after a commit at the leader\'s time, and a new leader on top', () => {
  const safe: Cache[] = [
    root,
    { id: 'E1', kind: 'E', parent: 'root', time: 1, leader: 'S1', supporters: ['S1', 'S2'] },
    { id: 'M1', kind: 'M', parent: 'E1', time: 1, leader: 'S1', method: 'noop' },
    { id: 'C1', kind: 'C', parent: 'M1', time: 1, leader: 'S1', supporters: ['S1', 'S2'] },
    { id: 'R1', kind: 'R', parent: 'C1', time: 1, leader: 'S1', config: ['S1', 'S2', 'S3', 'S4'] },
    { id: 'C1b', kind: 'C', parent: 'R1', time: 1, leader: 'S1', supporters: ['S1', 'S2', 'S4'] },
    { id: 'R2', kind: 'R', parent: 'C1b', time: 1, leader: 'S1', config: ['S1', 'S2', 'S3', 'S4', 'S5'] },
    { id: 'C1c', kind: 'C', parent: 'R2', time: 1, leader: 'S1', supporters: ['S1', 'S4', 'S5'] },
    { id: 'E2', kind: 'E', parent: 'C1c', time: 2, leader: 'S3', supporters: ['S3', 'S4', 'S5'] },
    { id: 'M2', kind: 'M', parent: 'E2', time: 2, leader: 'S3', method: 'put y 2' },
    { id: 'C2', kind: 'C', parent: 'M2', time: 2, leader: 'S3', supporters: ['S2', 'S3', 'S5'] },
  ];
  expect(checkCacheTree(safe, ['S1', 'S2', 'S3'])).toEqual([]);
  // the same tree with the commit between the two steps taken out breaks R2 (and only that)
  const hurried = safe.filter((c) => c.id !== 'C1b').map((c) => (c.id === 'R2' ? { ...c, parent: 'R1' } : c));
  expect(checkCacheTree(hurried, ['S1', 'S2', 'S3']).map((x) => [x.rule, x.caches])).toEqual([['R2', ['R2']]]);
});

test('a commit whose supporters are no quorum of its configuration', () => {
  const t: Cache[] = [
    root,
    { id: 'E1', kind: 'E', parent: 'root', time: 1, leader: 'S1', supporters: ['S1', 'S2'] },
    { id: 'C1', kind: 'C', parent: 'E1', time: 1, leader: 'S1', supporters: ['S1'] },
  ];
  const v = checkCacheTree(t, ['S1', 'S2', 'S3']);
  expect(v).toEqual([{ rule: 'quorum', caches: ['C1'], message: 'commit C1 by S1 at time 1 has supporters {S1}, not a quorum of {S1, S2, S3}' }]);
  // a supporter outside the configuration does not count
  expect(isQuorum(['S1', 'S9'], ['S1', 'S2', 'S3'])).toBe(false);
  expect(isQuorum(['S1', 'S1', 'S2'], ['S1', 'S2', 'S3'])).toBe(true);
});

test('R1+: replacing two of three members at once lets a quorum of each be disjoint', () => {
  const t: Cache[] = [
    root,
    { id: 'E1', kind: 'E', parent: 'root', time: 1, leader: 'S1', supporters: ['S1', 'S2'] },
    { id: 'C1', kind: 'C', parent: 'E1', time: 1, leader: 'S1', supporters: ['S1', 'S2'] },
    { id: 'R1', kind: 'R', parent: 'C1', time: 1, leader: 'S1', config: ['S1', 'S4', 'S5'] },
  ];
  expect(checkCacheTree(t, ['S1', 'S2', 'S3']).map((x) => [x.rule, x.message])).toEqual([['R1+', 'reconfiguration R1 by S1 from {S1, S2, S3} to {S1, S4, S5}: a quorum of each can be disjoint']]);
});

test('a tree that is not one: two roots, an unknown parent', () => {
  expect(checkCacheTree([root, { ...root, id: 'other' }], C0)).toMatchObject([{ rule: 'shape', message: 'a cache tree has one root, this one has 2' }]);
  expect(checkCacheTree([root, { id: 'x', kind: 'M', parent: 'nowhere', time: 1, leader: 'S1' }], C0)).toMatchObject([{ rule: 'shape', caches: ['x'] }]);
});

test('quorumsOverlap agrees with brute force on every pair of configurations over five members', () => {
  const U = ['a', 'b', 'c', 'd', 'e'];
  const subsets = (xs: string[]): string[][] => xs.reduce<string[][]>((acc, x) => [...acc, ...acc.map((s) => [...s, x])], [[]]);
  const all = subsets(U).filter((s) => s.length);
  const quorums = (cfg: string[]): string[][] => subsets(cfg).filter((q) => q.length >= Math.floor(cfg.length / 2) + 1);
  let pairs = 0;
  for (const p of all) {
    for (const n of all) {
      const disjoint = quorums(p).some((q1) => quorums(n).some((q2) => !q1.some((x) => q2.includes(x))));
      expect([p, n, quorumsOverlap(p, n)]).toEqual([p, n, !disjoint]);
      pairs++;
    }
  }
  expect(pairs).toBe(31 * 31);
});
