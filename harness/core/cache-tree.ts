// Adore's cache tree, as words the checker and the report share: the caches a replicated log's
// history is rebuilt into, and what the checker says of them (harness/checkers/cache-tree).

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
