// Executes the background ops against a model of remote memory, key by key, in the order of
// their effect times: reads and FADD/CAS results are whatever memory held at that moment.
import type { Json } from '../../../harness/core';
import { Rng } from './random';
import type { SimOp } from './types';

export interface FinalRead {
  key: string;
  value: Json;
}

/** Fills in results (and CAS arguments); returns the final value of every counter and CAS key. */
export function execute(ops: SimOp[], rng: Rng): FinalRead[] {
  const byKey = new Map<string, SimOp[]>();
  for (const op of ops) {
    if (op.workload === 'scenario' || op.workload === 'send-stream') continue;
    let l = byKey.get(op.key);
    if (!l) byKey.set(op.key, (l = []));
    l.push(op);
  }
  const finals: FinalRead[] = [];
  let casSeq = 0;
  for (const [key, list] of byKey) {
    const at = (op: SimOp): number => (Number.isNaN(op.lin) ? op.call : op.lin);
    list.sort((a, b) => at(a) - at(b));
    let state: Json = list[0]!.workload === 'counter' ? 0 : null;
    let counter = false;
    for (const op of list) {
      const applied = !Number.isNaN(op.lin);
      switch (op.f) {
        case 'fadd': {
          counter = true;
          const old = state as number;
          if (applied) state = old + (op.value as number);
          if (op.status === 'ok') op.result = old;
          break;
        }
        case 'read':
          if (op.status === 'ok') op.result = state;
          break;
        case 'write':
          if (applied) state = op.value ?? null;
          break;
        case 'cas': {
          // most CAS expect what memory holds (and win); some race and lose
          const from: Json = rng.chance(0.7) || op.status !== 'ok' ? state : `x-lost-${casSeq}`;
          op.value = [from, `x${casSeq++}c`];
          const old = state;
          if (applied && old === from) state = op.value[1]!;
          if (op.status === 'ok') op.result = old;
          break;
        }
        default:
      }
    }
    if (counter || list[0]!.workload === 'cas-register') finals.push({ key, value: state });
  }
  return finals;
}
