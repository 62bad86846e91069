// Adore's cache tree (Honoré et al., "Adore: Atomic Distributed Objects with Certified
// Reconfiguration"), rebuilt from what a replicated log's history shows, and checked. Each state
// change of the protocol is a cache hanging under the one it extends:
//   E  an election at a timestamp, with the supporters that voted for it;
//   M  a method (a log command) appended by a leader;
//   R  a reconfiguration, carrying the configuration it installs;
//   C  a commit, with the supporters that acknowledged it.
// A cache's configuration is the one installed by the nearest R above it (the initial one if
// none): in Adore a new configuration governs the very next cache. Safety is that every C lies on
// one branch; the conditions that keep it so under reconfiguration are R1+ (any quorum of the old
// configuration meets any quorum of the new), R2 (no uncommitted R on the leader's branch) and R3
// (the leader has committed at its own timestamp before it reconfigures). Pure functions, as a
// Porcupine model is: the tree in, the violations out.

import { isQuorum, quorumsOverlap, type Cache, type CacheTreeViolation } from '../../core';

export { isQuorum, quorumsOverlap, quorumSize, type Cache, type CacheKind, type CacheTreeRule, type CacheTreeViolation } from '../../core';

export interface CacheTree {
  root: string;
  caches: ReadonlyMap<string, Cache>;
  children: ReadonlyMap<string, readonly string[]>;
  depth: ReadonlyMap<string, number>;
  /** the configuration in force at each cache (the nearest R above it, else the initial) */
  configAt: ReadonlyMap<string, readonly string[]>;
}

/** the tree from its caches: one root, every parent known, no cycle */
export function buildCacheTree(caches: readonly Cache[], initial: readonly string[]): { tree?: CacheTree; violations: CacheTreeViolation[] } {
  const byId = new Map<string, Cache>();
  const bad: CacheTreeViolation[] = [];
  for (const c of caches) {
    if (byId.has(c.id)) bad.push({ rule: 'shape', message: `cache ${c.id} appears twice`, caches: [c.id] });
    byId.set(c.id, c);
  }
  const roots = caches.filter((c) => c.parent === undefined);
  if (roots.length !== 1) return { violations: [...bad, { rule: 'shape', message: `a cache tree has one root, this one has ${roots.length}`, caches: roots.map((c) => c.id) }] };
  const children = new Map<string, string[]>();
  for (const c of caches) {
    if (c.parent === undefined) continue;
    if (!byId.has(c.parent)) bad.push({ rule: 'shape', message: `cache ${c.id} extends ${c.parent}, which is not in the tree`, caches: [c.id] });
    else (children.get(c.parent) ?? children.set(c.parent, []).get(c.parent)!).push(c.id);
  }
  // depths and configurations top-down; what is not reached from the root sits on a cycle
  const depth = new Map<string, number>();
  const configAt = new Map<string, readonly string[]>();
  const root = roots[0]!;
  const stack: [string, number, readonly string[]][] = [[root.id, 0, initial]];
  while (stack.length) {
    const [id, d, cfg] = stack.pop()!;
    depth.set(id, d);
    configAt.set(id, cfg);
    const c = byId.get(id)!;
    const below = c.kind === 'R' && c.config ? c.config : cfg;
    for (const k of children.get(id) ?? []) stack.push([k, d + 1, below]);
  }
  for (const c of caches) if (!depth.has(c.id) && byId.has(c.parent ?? '')) bad.push({ rule: 'shape', message: `cache ${c.id} is not below the root (a cycle)`, caches: [c.id] });
  return { tree: { root: root.id, caches: byId, children, depth, configAt }, violations: bad };
}

/** from `id` up to the root, `id` first */
export function pathUp(t: CacheTree, id: string): string[] {
  const out: string[] = [];
  for (let at: string | undefined = id; at !== undefined && t.depth.has(at); at = t.caches.get(at)!.parent) out.push(at);
  return out;
}

function ancestorOf(t: CacheTree, a: string, b: string): boolean {
  let at: string | undefined = b;
  const da = t.depth.get(a)!;
  while (at !== undefined && t.depth.get(at)! > da) at = t.caches.get(at)!.parent;
  return at === a;
}

/** a C commits the cache it hangs under and all above it: a C, or a cache with a C below it */
function committed(t: CacheTree, id: string): boolean {
  return t.caches.get(id)!.kind === 'C' || (t.children.get(id) ?? []).some((k) => t.caches.get(k)!.kind === 'C');
}

/**
 * Commits agree: what every C commits (its parent and all above) lies on one branch; a
 * violation names the fork. A replica acks the cache pushed to it and learns of the C later, if
 * ever, so a new election may hang beside a C, under the cache it committed: no fork.
 */
function checkFork(t: CacheTree): CacheTreeViolation[] {
  const commits = [...t.caches.values()].filter((c) => c.kind === 'C' && t.depth.has(c.id)).sort((x, y) => t.depth.get(x.id)! - t.depth.get(y.id)!);
  for (let i = 1; i < commits.length; i++) {
    // the deepest chain so far ends at the last commit that is an ancestor of the next
    const prev = commits[i - 1]!;
    const next = commits[i]!;
    if (ancestorOf(t, prev.parent!, next.parent!)) continue;
    // the commit on prev's side nearest the split, against next
    const upNext = new Set(pathUp(t, next.id));
    const split = pathUp(t, prev.id).find((x) => upNext.has(x))!;
    const branch = (c: Cache): NonNullable<CacheTreeViolation['branches']>[number] => {
      const path = pathUp(t, c.id);
      const seg = path.slice(0, path.indexOf(split)).reverse();
      // the first commit on this side of the split
      const commit = seg.find((x) => t.caches.get(x)!.kind === 'C') ?? c.id;
      const first = t.caches.get(commit)!;
      return { leader: first.leader, time: first.time, config: [...t.configAt.get(commit)!], supporters: [...(first.supporters ?? [])], path: seg.slice(0, seg.indexOf(commit) + 1), commit };
    };
    const [b1, b2] = [branch(prev), branch(next)];
    return [
      {
        rule: 'fork',
        message: `the log forks below ${split}: ${b1.leader} committed ${b1.commit} at time ${b1.time} with {${b1.supporters.join(', ')}} of {${b1.config.join(', ')}}, and ${b2.leader} committed ${b2.commit} at time ${b2.time} with {${b2.supporters.join(', ')}} of {${b2.config.join(', ')}}`,
        caches: [b1.commit, b2.commit],
        branches: [b1, b2],
      },
    ];
  }
  return [];
}

function checkCache(t: CacheTree, c: Cache): CacheTreeViolation[] {
  const out: CacheTreeViolation[] = [];
  const cfg = t.configAt.get(c.id)!;
  if ((c.kind === 'E' || c.kind === 'C') && !isQuorum(c.supporters ?? [], cfg)) {
    out.push({ rule: 'quorum', message: `${c.kind === 'E' ? 'election' : 'commit'} ${c.id} by ${c.leader} at time ${c.time} has supporters {${(c.supporters ?? []).join(', ')}}, not a quorum of {${cfg.join(', ')}}`, caches: [c.id] });
  }
  if (c.kind !== 'R') return out;
  const next = c.config ?? [];
  if (!quorumsOverlap(cfg, next)) out.push({ rule: 'R1+', message: `reconfiguration ${c.id} by ${c.leader} from {${cfg.join(', ')}} to {${next.join(', ')}}: a quorum of each can be disjoint`, caches: [c.id] });
  // up the leader's branch from the cache it extends: an R met before any committed cache is
  // uncommitted (R2); a cache committed at the leader's own time, met before its election, is
  // the commit R3 asks for
  const up = pathUp(t, c.parent ?? '').map((id) => t.caches.get(id)!);
  const lastCommit = up.findIndex((a) => committed(t, a.id));
  const r2 = !up.slice(0, lastCommit < 0 ? up.length : lastCommit).some((a) => a.kind === 'R');
  const election = up.findIndex((a) => a.kind === 'E' && a.time === c.time);
  const ownCommit = up.slice(0, election < 0 ? up.length : election).some((a) => a.time === c.time && committed(t, a.id));
  if (!r2) out.push({ rule: 'R2', message: `reconfiguration ${c.id} by ${c.leader} at time ${c.time} extends a branch whose last reconfiguration is not committed`, caches: [c.id] });
  if (!ownCommit) out.push({ rule: 'R3', message: `reconfiguration ${c.id} by ${c.leader} at time ${c.time} comes before any commit at that time`, caches: [c.id] });
  return out;
}

/** every check over the tree: shape, the fork, quorums, and R1+, R2, R3 for each reconfiguration */
export function checkCacheTree(caches: readonly Cache[], initial: readonly string[]): CacheTreeViolation[] {
  const { tree, violations } = buildCacheTree(caches, initial);
  if (!tree) return violations;
  const each = [...tree.caches.values()].filter((c) => tree.depth.has(c.id)).flatMap((c) => checkCache(tree, c));
  return [...violations, ...checkFork(tree), ...each];
}
