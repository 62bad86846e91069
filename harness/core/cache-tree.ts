// Adore's cache tree, as words the checker and the report share: the caches a replicated log's
// history is rebuilt into, and what the checker says of them (harness/checkers/cache-tree), with
// the majority-quorum arithmetic a protocol enforces R1+ by and the checker checks it by.

export type CacheKind = 'E' | 'M' | 'R' | 'C';

export interface Cache {
  id: string;
  kind: CacheKind;
  /** the cache it extends; undefined for the root (the initial state) */
  parent?: string;
  /** the ballot / timestamp it was made at */
  time: number;
  /** who made it: the candidate (E) or the leader (M, R, C) */
  leader: string;
  /** E and C: who voted for the election or acknowledged the commit */
  supporters?: readonly string[];
  /** R: the configuration it installs */
  config?: readonly string[];
  /** M: the command, for the picture and the messages */
  method?: string;
}

export type CacheTreeRule = 'fork' | 'quorum' | 'R1+' | 'R2' | 'R3' | 'shape';

export interface CacheTreeViolation {
  rule: CacheTreeRule;
  message: string;
  /** the caches it is about: a fork's two first commits after the split, else the one cache */
  caches: string[];
  /** a fork: each branch from the split down to its first commit, its leader and configuration */
  branches?: { leader: string; time: number; config: string[]; supporters: string[]; path: string[]; commit: string }[];
}

/** majority quorums: the smallest number of members that is a quorum of `config` */
export const quorumSize = (config: readonly unknown[]): number => Math.floor(config.length / 2) + 1;

export function isQuorum(who: readonly string[], config: readonly string[]): boolean {
  const members = new Set(config);
  return new Set(who.filter((w) => members.has(w))).size >= quorumSize(config);
}

/**
 * R1+ for majority quorums: could a quorum of `prev` and a quorum of `next` be disjoint? Each
 * takes first the members the other lacks; they must then share more of the common members
 * than there are.
 */
export function quorumsOverlap(prev: readonly string[], next: readonly string[]): boolean {
  const a = new Set(prev);
  const b = new Set(next);
  const common = [...a].filter((x) => b.has(x)).length;
  const needA = Math.max(0, quorumSize([...a]) - (a.size - common));
  const needB = Math.max(0, quorumSize([...b]) - (b.size - common));
  return needA + needB > common;
}

/** a cache's event in the history: f 'cache', key cache@id, value the cache's fields */
export const cacheKey = (id: string): string => `cache@${id}`;

const KINDS: readonly string[] = ['E', 'M', 'R', 'C'];
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);

/** the cache an op of the history made, or undefined (not a cache event, or out of shape) */
export function cacheFromOp(op: { f: string; key?: string | number; value?: unknown }): Cache | undefined {
  if (op.f !== 'cache' || typeof op.key !== 'string' || !op.key.startsWith('cache@')) return undefined;
  const v = op.value as Record<string, unknown> | null | undefined;
  if (!v || typeof v !== 'object' || !KINDS.includes(String(v.kind)) || typeof v.time !== 'number' || typeof v.leader !== 'string') return undefined;
  const supporters = strings(v.supporters);
  const config = strings(v.config);
  return {
    id: op.key.slice('cache@'.length),
    kind: v.kind as CacheKind,
    ...(typeof v.parent === 'string' ? { parent: v.parent } : {}),
    time: v.time,
    leader: v.leader,
    ...(supporters ? { supporters } : {}),
    ...(config ? { config } : {}),
    ...(typeof v.method === 'string' ? { method: v.method } : {}),
  };
}
