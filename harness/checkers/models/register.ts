// Registers: a plain read/write register, and the CAS register in its two semantics.
//  - knossos: a nil read is a wildcard (unknown value); failed CAS ops were dropped upstream.
//  - etcd:    a nil read means "absent" and must match the initial nil; a completed CAS with
//             result false observed a mismatch and so constrains the state.
// RDMA CAS records the old value it read as the result: swapped iff old === expected.
import type { Operation } from '../../core';
import type { Model } from '../model';
import { partitionByKey } from '../model';
import { badValue, pair, scalar, type Scalar } from './values';

type Input =
  | { f: 'read'; v: Scalar | undefined }
  | { f: 'write'; v: Scalar }
  | { f: 'cas'; from: Scalar; to: Scalar; out: boolean | Scalar | undefined };

/** sentinel for "no output": distinct from null, which is a value */
const UNKNOWN = undefined;

export interface RegisterOptions {
  initial?: Scalar;
  /** null read results are wildcards (Knossos) instead of the value null (etcd) */
  nilReadIsWildcard?: boolean;
  /** check each key on its own (P-compositionality); default true */
  partition?: boolean;
}

function makeRegister(name: string, description: string, withCas: boolean, o: RegisterOptions): Model<Scalar, Input> {
  const initial = o.initial === undefined ? null : o.initial;
  const wildNil = o.nilReadIsWildcard ?? false;
  const m: Model<Scalar, Input> = {
    name,
    description,
    fs: withCas ? ['read', 'write', 'cas'] : ['read', 'write'],
    init: () => initial,
    prepare(op: Operation, known: boolean): Input {
      switch (op.f) {
        case 'read': {
          if (!known || op.result === undefined || (wildNil && op.result === null)) return { f: 'read', v: UNKNOWN };
          return { f: 'read', v: scalar(op, op.result, 'read result') };
        }
        case 'write':
          return { f: 'write', v: scalar(op, op.value, 'value') };
        case 'cas': {
          if (!withCas) break;
          const [from, to] = pair(op, op.value);
          // ok without a result is Jepsen's "the CAS succeeded"; RDMA records the old value
          let out: boolean | Scalar | undefined = UNKNOWN;
          if (known) out = op.result === undefined ? true : typeof op.result === 'boolean' ? op.result : scalar(op, op.result, 'result (old value)');
          // an RDMA CAS that returned an old value other than its expected one swapped nothing:
          // exactly a read of that value, and reads are placed eagerly (most CASes of a hot key)
          if (out !== UNKNOWN && typeof out !== 'boolean' && m.key(out) !== m.key(from)) return { f: 'read', v: out };
          return { f: 'cas', from, to, out };
        }
        default:
      }
      throw badValue(op, `is not an operation of the ${name} model`);
    },
    step(s: Scalar, p: Input): Scalar | undefined {
      switch (p.f) {
        case 'read':
          return p.v === UNKNOWN || p.v === s ? s : undefined;
        case 'write':
          return p.v;
        case 'cas':
          if (p.out === UNKNOWN) return s === p.from ? p.to : s;
          if (p.out === true) return s === p.from ? p.to : undefined;
          if (p.out === false) return s !== p.from ? s : undefined;
          // the old value the CAS returned must be the state; it swapped iff that equals from
          if (p.out !== s) return undefined;
          return s === p.from ? p.to : s;
      }
    },
    key: (s) => (typeof s === 'string' ? 's' + s : s === null ? 'nil' : s),
    readOnly: (p) => p.f === 'read',
    // a read's value, a CAS's returned old value (or, for an ok CAS, its expected one)
    pin(p: Input): string | number | undefined {
      if (p.f === 'read') return p.v === UNKNOWN ? undefined : m.key(p.v);
      if (p.f !== 'cas' || p.out === UNKNOWN || p.out === false) return undefined;
      return m.key(p.out === true ? p.from : p.out);
    },
    // a write sets its value whatever the state; a CAS keeps the state or sets `to`
    recurrence: {
      kind: 'writers',
      produces: (p: Input) => (p.f === 'read' ? undefined : m.key(p.f === 'write' ? p.v : p.to)),
      // a write always; a CAS that reported success (or returned its expected value) swapped
      sets: (p: Input) => p.f === 'write' || (p.f === 'cas' && (p.out === true || (p.out !== UNKNOWN && p.out !== false && m.key(p.out) === m.key(p.from)))),
    },
    droppable: (ops) => unobservedWrites(ops, initial, (s) => m.key(s)),
    // a read of a value nobody writes is refuted by refute.ts with the stale reads
    describeState: (s) => (s === null ? 'nil' : JSON.stringify(s)),
  };
  if (o.partition ?? true) m.partition = partitionByKey;
  return m;
}

/**
 * Indeterminate writes (and CASes) of a value no other op ever sees. Whether one took effect
 * changes nothing anyone observed, so dropping it keeps the verdict: in a linearization where
 * it took effect, the ops between it and the next write saw its value v, and none can need v
 * (no ok read returned v, no ok CAS returned or expected v, no CAS from v at all, nobody else
 * writes v); with v gone they see the prior value instead, except indeterminate CASes from
 * that value, which may then as well not take effect. A CAS that reported only "false"
 * (etcd) observes an inequality with the prior value: with any of those, nothing is dropped.
 * A 10-minute faulted RDMA run leaves dozens of such ops (the ACK lost, the value overwritten
 * unread), and each one doubled the search at every later point.
 */
function unobservedWrites(ops: readonly { p: Input; known: boolean }[], initial: Scalar, key: (s: Scalar) => string | number): boolean[] {
  const drop = new Array<boolean>(ops.length).fill(false);
  if (ops.some((o) => o.p.f === 'cas' && o.p.out === false)) return drop;
  // only the values indeterminate ops write are counted (a few hundred, where a 1M-op history
  // has 500k values): how many ops write each, and whether any op observes it
  const writers = new Map<string | number, number>();
  for (const { p, known } of ops) if (!known && p.f !== 'read') writers.set(key(p.f === 'write' ? p.v : p.to), 0);
  if (writers.size === 0) return drop;
  const seen = new Set<string | number>();
  const see = (v: Scalar): void => {
    const k = key(v);
    if (writers.has(k)) seen.add(k);
  };
  see(initial);
  for (const { p, known } of ops) {
    if (p.f === 'read') {
      if (known && p.v !== UNKNOWN) see(p.v);
      continue;
    }
    if (p.f === 'cas') {
      see(p.from);
      if (known && p.out !== UNKNOWN && typeof p.out !== 'boolean') see(p.out);
    }
    const v = key(p.f === 'write' ? p.v : p.to);
    const c = writers.get(v);
    if (c !== undefined) writers.set(v, c + 1);
  }
  ops.forEach(({ p, known }, i) => {
    if (known || p.f === 'read') return;
    const v = key(p.f === 'write' ? p.v : p.to);
    drop[i] = !seen.has(v) && writers.get(v) === 1;
  });
  return drop;
}

export function registerModel(o: RegisterOptions = {}): Model<Scalar, Input> {
  return makeRegister('register', 'read/write register (RDMA WRITE/READ)', false, { initial: 0, ...o });
}

export function casRegisterModel(o: RegisterOptions = {}): Model<Scalar, Input> {
  return makeRegister('cas-register', 'CAS register, Knossos semantics: a nil read is a wildcard', true, { nilReadIsWildcard: true, initial: 0, ...o });
}

export function etcdModel(o: RegisterOptions = {}): Model<Scalar, Input> {
  return makeRegister('etcd', 'CAS register, etcd semantics: a nil read means absent, a false CAS observed a mismatch', true, { nilReadIsWildcard: false, initial: null, ...o });
}
