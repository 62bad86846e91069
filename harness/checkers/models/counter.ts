// Fetch-and-add counter: FADD(delta) returns the old value. Reads return the value.
import type { Operation } from '../../core';
import type { Model } from '../model';
import { partitionByKey } from '../model';
import { badValue, int } from './values';

type Input = { f: 'fadd'; delta: number; old: number | undefined } | { f: 'read'; v: number | undefined };

export interface CounterOptions {
  initial?: number;
  partition?: boolean;
}

export function counterModel(o: CounterOptions = {}): Model<number, Input> {
  const initial = o.initial ?? 0;
  const m: Model<number, Input> = {
    name: 'counter',
    description: 'fetch-and-add counter; FADD returns the old value',
    fs: ['fadd', 'read'],
    init: () => initial,
    prepare(op: Operation, known: boolean): Input {
      if (op.f === 'fadd') {
        const delta = int(op, op.value, 'delta');
        return { f: 'fadd', delta, old: known && op.result !== undefined ? int(op, op.result, 'result (old value)') : undefined };
      }
      if (op.f === 'read') return { f: 'read', v: known && op.result !== undefined && op.result !== null ? int(op, op.result, 'read result') : undefined };
      throw badValue(op, 'is not an operation of the counter model');
    },
    step(s: number, p: Input): number | undefined {
      if (p.f === 'read') return p.v === undefined || p.v === s ? s : undefined;
      if (p.old !== undefined && p.old !== s) return undefined;
      return s + p.delta;
    },
    key: (s) => s,
    readOnly: (p) => p.f === 'read',
    // with no negative delta pending the counter only grows: a smaller value is gone for good
    unreachable(s: number, p: Input, pending: readonly Input[]): boolean {
      if (p.f !== 'read' || p.v === undefined || p.v >= s) return false;
      return !pending.some((q) => q.f === 'fadd' && q.delta < 0);
    },
    // an FADD's old value and a read's value fix the one state each can take effect in
    pin: (p) => (p.f === 'fadd' ? p.old : p.v),
    recurrence: { kind: 'monotone', mayDecrease: (p) => p.f === 'fadd' && p.delta < 0, rises: (p) => p.f === 'fadd' && p.delta > 0 },
    describeState: (s) => String(s),
  };
  if (o.partition ?? true) m.partition = partitionByKey;
  return m;
}
