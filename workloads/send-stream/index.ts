// send-stream: SENDs with sequence numbers from each client to the target, which receives
// them in order. The k-th receive must carry the k-th message; a replayed SEND makes every
// later receive slide by one.
import { z } from 'zod';
import type { OpDescriptor } from '../../agents';
import type { WorkloadPackage } from '../types';
import { MODEL, queueSliding } from './patterns';

const Params = z.object({}).strict();
/** receive buffers the target keeps posted per client's QP */
const RECV_DEPTH = 512;

export const sendStream: WorkloadPackage<z.infer<typeof Params>> = {
  name: 'send-stream',
  summary: 'SEND/RECV with sequence-numbered messages, checked for duplicates, gaps and queue sliding',
  params: Params,
  model: MODEL,
  // the stream check is the one for SEND/RECV: the queue model's search is left to `check --model queue`,
  // since a RECV is invoked when its buffer is posted and hundreds are outstanding at once
  checks: ['at-most-once', 'stream'],
  patterns: [queueSliding],
  twoSided: true,
  recvDepth() {
    return RECV_DEPTH;
  },
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
