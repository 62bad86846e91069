// Knossos' mutex and multi-register models, so Knossos EDN histories of those kinds can be checked.
import type { Operation } from '../../core';
import type { Json } from '../../core';
import type { Model } from '../model';
import { badValue } from './values';

export function mutexModel(): Model<boolean, 'acquire' | 'release'> {
  return {
    name: 'mutex',
    description: 'mutex: acquire is legal when free, release when held',
    fs: ['acquire', 'release'],
    init: () => false,
    prepare(op: Operation): 'acquire' | 'release' {
      if (op.f === 'acquire' || op.f === 'release') return op.f;
      throw badValue(op, 'is not an operation of the mutex model');
    },
    step: (held, p) => (p === 'acquire' ? (held ? undefined : true) : held ? false : undefined),
    key: (held) => (held ? 1 : 0),
    readOnly: () => false,
    describeState: (held) => (held ? 'held' : 'free'),
  };
}

type Micro = { read: boolean; k: string; v: Json | undefined };

/** Transactions over named registers, applied atomically; a nil read micro-op is a wildcard. */
export function multiRegisterModel(initial: Json = 0): Model<Readonly<Record<string, Json>>, Micro[]> {
  return {
    name: 'multi-register',
    description: 'multi-register transactions (Knossos), a nil read is a wildcard',
    fs: ['txn'],
    init: () => ({}),
    prepare(op: Operation, known: boolean): Micro[] {
      if (op.f !== 'txn') throw badValue(op, 'is not an operation of the multi-register model');
      const src = known && op.result !== undefined ? op.result : op.value;
      if (!Array.isArray(src)) throw badValue(op, `needs a vector of [f k v] micro-ops, got ${JSON.stringify(src)}`);
      return src.map((mo) => {
        if (!Array.isArray(mo) || mo.length !== 3 || (mo[0] !== 'read' && mo[0] !== 'write')) throw badValue(op, `has a bad micro-op ${JSON.stringify(mo)}`);
        const v = mo[2];
        return { read: mo[0] === 'read', k: String(mo[1]), v: mo[0] === 'read' && (v === null || !known) ? undefined : v };
      });
    },
    step(s, txn) {
      let out: Record<string, Json> | undefined;
      for (const m of txn) {
        const cur = (out ?? s)[m.k] ?? initial;
        if (m.read) {
          if (m.v !== undefined && JSON.stringify(m.v) !== JSON.stringify(cur)) return undefined;
        } else {
          out ??= { ...s };
          out[m.k] = m.v ?? null;
        }
      }
      return out ?? s;
    },
    key: (s) => JSON.stringify(Object.keys(s).sort().map((k) => [k, s[k]])),
    readOnly: (txn) => txn.every((m) => m.read),
    describeState: (s) => JSON.stringify(s),
  };
}
