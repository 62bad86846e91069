// counter: FADD with deltas that are powers of 4 per counter word, so the final value decodes
// into how many times each FADD executed (up to 3 per op exactly; 4^25 < 2^53 keeps values exact
// as JSON numbers). Processes share words: process p of P owns digits [p*m, (p+1)*m) of every
// word (m = 26 / P), and all walk the words in order, so concurrent FADDs hit the same word.
import { z } from 'zod';
import type { OpDescriptor } from '../../agents';
import { mulberry32 } from '../../harness/core';
import { Reads, wordSnapshot, type WorkloadPackage } from '../types';
import { MODEL, duplicateFadd } from './patterns';

export const DIGITS = 26;
const REGION = 'counter';

const Params = z.object({ reads: Reads }).strict();

export const counter: WorkloadPackage<z.infer<typeof Params>> = {
  name: 'counter',
  summary: 'FADD with unique, decodable deltas, plus reads',
  params: Params,
  model: MODEL,
  checks: ['at-most-once', 'linearizability'],
  patterns: [duplicateFadd],
  regions(_spec, estOps) {
    // one word per DIGITS ops, with headroom; at least one page
    const words = Math.max(512, Math.ceil((estOps * 1.5) / DIGITS) + 64);
    return { [REGION]: Math.min(words, 1 << 20) * 8 };
  },
  generator(spec, ctx) {
    const per = Math.max(1, Math.floor(DIGITS / ctx.count));
    if (ctx.count > DIGITS) throw new Error(`counter: at most ${DIGITS} processes share a word (got ${ctx.count})`);
    const words = ctx.regions[REGION]! / 8;
    const rng = mulberry32(ctx.seed);
    let j = 0; // FADDs handed out by this process
    return {
      next(max) {
        const ops: OpDescriptor[] = [];
        while (ops.length < max) {
          const word = Math.floor(j / per);
          if (word >= words) break; // region exhausted: this process is done
          if (spec.reads > 0 && rng() < spec.reads) {
            ops.push({ f: 'read', region: REGION, offset: word * 8, len: 8 });
            continue;
          }
          const digit = ctx.index * per + (j % per);
          ops.push({ f: 'fadd', region: REGION, offset: word * 8, value: 4n ** BigInt(digit) });
          j++;
        }
        return ops;
      },
    };
  },
  snapshot(_spec, regions) {
    return [wordSnapshot(REGION, 0, regions[REGION]! / 8)];
  },
};
