// FIFO queue for SEND/RECV: send(v) enqueues, recv returns the head. A recv whose output is
// unknown dequeues whatever is at the head (or nothing, when the queue is empty).
import type { Operation } from '../../core';
import type { Model } from '../model';
import { partitionByKey } from '../model';
import { badValue, scalar, type Scalar } from './values';

type Input = { f: 'send'; v: Scalar } | { f: 'recv'; v: Scalar | undefined };

/** An immutable queue: items [head, length) of a shared array; sends append when at the end. */
interface Q {
  readonly items: Scalar[];
  readonly head: number;
  readonly len: number;
}

export function queueModel(o: { partition?: boolean } = {}): Model<Q, Input> {
  const m: Model<Q, Input> = {
    name: 'queue',
    description: 'FIFO queue (SEND enqueues, RECV dequeues the head)',
    fs: ['send', 'recv'],
    init: () => ({ items: [], head: 0, len: 0 }),
    prepare(op: Operation, known: boolean): Input {
      if (op.f === 'send') return { f: 'send', v: scalar(op, op.value, 'payload id') };
      if (op.f === 'recv') return { f: 'recv', v: known && op.result !== undefined ? scalar(op, op.result, 'received payload id') : undefined };
      throw badValue(op, 'is not an operation of the queue model');
    },
    step(s: Q, p: Input): Q | undefined {
      if (p.f === 'send') {
        // share the backing array when this state is its newest owner; copy otherwise
        const items = s.items.length === s.len ? s.items : s.items.slice(0, s.len);
        items.push(p.v);
        return { items, head: s.head, len: s.len + 1 };
      }
      if (s.head === s.len) return p.v === undefined ? s : undefined;
      if (p.v !== undefined && s.items[s.head] !== p.v) return undefined;
      return { items: s.items, head: s.head + 1, len: s.len };
    },
    key: (s) => s.items.slice(s.head, s.len).join('\u0001'),
    readOnly: () => false,
    describeState: (s) => '[' + s.items.slice(s.head, s.len).map((v) => JSON.stringify(v)).join(' ') + ']',
  };
  if (o.partition ?? true) m.partition = partitionByKey;
  return m;
}
