// send-stream: SENDs with sequence numbers from each client to the target, which receives
// them in order. The k-th receive must carry the k-th message; a replayed SEND makes every
// later receive slide by one.
import type { OpDescriptor } from '../../agents/ops';
import type { WorkloadPackage } from '../types';

export const sendStream: WorkloadPackage = {
  name: 'send-stream',
  summary: 'SEND/RECV with sequence-numbered messages, checked for duplicates, gaps and queue sliding',
  model: 'queue',
  // the stream check is the one for SEND/RECV: the queue model's search is left to `check --model queue`,
  // since a RECV is invoked when its buffer is posted and hundreds are outstanding at once
  checks: ['at-most-once', 'stream'],
  twoSided: true,
  regions() {
    return {};
  },
  generator(_spec, ctx) {
    let seq = 0;
    return {
      next(max) {
        const ops: OpDescriptor[] = [];
        for (let n = 0; n < max; n++) ops.push({ f: 'send', len: 8, value: BigInt(ctx.index) * 1_000_000_000n + BigInt(seq++) });
        return ops;
      },
    };
  },
  snapshot() {
    return [];
  },
};
