// Key/value store with get/put/append (Porcupine's kv test model). Partitioned, each key is a
// string register; unpartitioned, the state is the whole map, as kvNoPartitionModel checks it.
// Values are interned to integer ids so that a state's key costs O(1) however long the
// appended strings grow: the search hashes and compares keys at every step.
import type { Operation } from '../../core';
import type { Model } from '../model';
import { partitionByKey } from '../model';
import { badValue } from './values';

type Input = {
  f: 'get' | 'put' | 'append';
  key: number;
  v: string | undefined;
  id: number;
  /** append only: value id before -> value id after, filled as the search meets them */
  after?: Map<number, number>;
};

function text(op: Operation, v: unknown, what: string): string {
  if (typeof v !== 'string') throw badValue(op, `needs a string ${what}, got ${JSON.stringify(v)}`);
  return v;
}

/** The value table shared by both kv models: ids for strings, memoised appends. */
class Values {
  private readonly ids = new Map<string, number>([['', 0]]);
  readonly strings: string[] = [''];
  intern(v: string): number {
    let id = this.ids.get(v);
    if (id === undefined) {
      id = this.strings.length;
      this.ids.set(v, id);
      this.strings.push(v);
    }
    return id;
  }
  append(cur: number, p: Input): number {
    let id = p.after!.get(cur);
    if (id === undefined) p.after!.set(cur, (id = this.intern(this.strings[cur]! + p.v!)));
    return id;
  }
  /** the id of a string that was read, or -1: an uninterned string was never produced */
  lookup(v: string): number {
    return this.ids.get(v) ?? -1;
  }
}

function prepareKv(op: Operation, known: boolean, key: number, vals: Values): Input {
  if (op.f === 'get') {
    if (!known || op.result === undefined) return { f: 'get', key, v: undefined, id: -1 };
    const v = text(op, op.result, 'get result');
    return { f: 'get', key, v, id: vals.intern(v) };
  }
  if (op.f === 'put' || op.f === 'append') {
    const v = text(op, op.value, 'value');
    if (op.f === 'put') return { f: 'put', key, v, id: vals.intern(v) };
    return { f: 'append', key, v, id: -1, after: new Map() };
  }
  throw badValue(op, 'is not an operation of the kv model');
}

/**
 * Can a key holding `cur` come to hold `want` through `pending` ops? Appends only extend a
 * value, so `want` must extend `cur`, or the value of some pending put on that key. A
 * necessary condition only: it never calls a reachable value unreachable.
 */
function canBecome(cur: string, want: string, key: number, pending: readonly Input[]): boolean {
  if (want.startsWith(cur)) return true;
  for (const q of pending) if (q.f === 'put' && q.key === key && want.startsWith(q.v!)) return true;
  return false;
}

export function kvModel(): Model<number, Input> {
  const vals = new Values();
  return {
    name: 'kv',
    description: 'key/value store (get/put/append), each key checked on its own',
    fs: ['get', 'put', 'append'],
    init: () => 0,
    prepare: (op, known) => prepareKv(op, known, 0, vals),
    step(s: number, p: Input): number | undefined {
      if (p.f === 'get') return p.v === undefined || p.id === s ? s : undefined;
      return p.f === 'put' ? p.id : vals.append(s, p);
    },
    key: (s) => s,
    readOnly: (p) => p.f === 'get',
    // appends only extend the value: what a read sees starts with the value now, or with the
    // value of a put that may still come first
    unreachable(s: number, p: Input, pending: readonly Input[]): boolean {
      if (p.v === undefined || p.id === s) return false;
      return !canBecome(vals.strings[s]!, p.v, p.key, pending);
    },
    partition: partitionByKey,
    describeState: (s) => JSON.stringify(vals.strings[s]),
  };
}

/** The whole map as one state: an array of value ids, one per key. */
export function kvNoPartitionModel(): Model<readonly number[], Input> {
  const keys = new Map<string, number>();
  const keyNames: string[] = [];
  const vals = new Values();
  const keyIndex = (k: string): number => {
    let i = keys.get(k);
    if (i === undefined) {
      i = keyNames.length;
      keys.set(k, i);
      keyNames.push(k);
    }
    return i;
  };
  return {
    name: 'kv-nopart',
    description: 'key/value store (get/put/append), the whole map as one state',
    fs: ['get', 'put', 'append'],
    // every key is known once all ops are prepared, which happens before the search starts
    init: () => new Array<number>(keyNames.length).fill(0),
    prepare: (op, known) => prepareKv(op, known, keyIndex(op.key === undefined ? '' : String(op.key)), vals),
    step(s: readonly number[], p: Input): readonly number[] | undefined {
      const cur = s[p.key]!;
      if (p.f === 'get') return p.v === undefined || p.id === cur ? s : undefined;
      const next = p.f === 'put' ? p.id : vals.append(cur, p);
      if (next === cur) return s;
      const out = s.slice();
      out[p.key] = next;
      return out;
    },
    key: (s) => s.join(','),
    readOnly: (p) => p.f === 'get',
    unreachable(s: readonly number[], p: Input, pending: readonly Input[]): boolean {
      const cur = s[p.key]!;
      if (p.v === undefined || p.id === cur) return false;
      return !canBecome(vals.strings[cur]!, p.v, p.key, pending);
    },
    footprint: (p) => p.key,
    describeState: (s) => '{' + s.map((id, k) => `${JSON.stringify(keyNames[k])} ${JSON.stringify(vals.strings[id])}`).join(', ') + '}',
  };
}
