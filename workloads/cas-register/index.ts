// cas-register: CAS, writes and reads on shared registers, new values tagged with the op id.
// With `reset`, processes pair up per register: a setter does CAS(0 -> tag_j) and a third party
// resets it with CAS(tag_j -> 0): the ABA pattern under which a replayed CAS succeeds twice.
import { z } from 'zod';
import type { OpDescriptor } from '../../agents';
import { mulberry32 } from '../../harness/core';
import { okResults, u64Of } from '../results';
import { Reads, wordSnapshot, type WorkloadPackage } from '../types';
import { MODEL, casDoubleSuccess } from './patterns';

const Params = z
  .object({
    reads: Reads,
    /** a third party resets each new value back to the base (the ABA pattern) */
    reset: z.boolean().default(true),
  })
  .strict();

const REGION = 'cas';
export const BASE = 0n;

/** a unique non-zero 64-bit value per (process, op) */
export function tag(process: number, j: number): bigint {
  return (BigInt(process + 1) << 32n) | BigInt(j + 1);
}

export const casRegister: WorkloadPackage<z.infer<typeof Params>> = {
  name: 'cas-register',
  summary: 'CAS/write/read on shared registers, values tagged by op id, with a third party resetting values',
  params: Params,
  model: MODEL,
  checks: ['at-most-once', 'linearizability'],
  patterns: [casDoubleSuccess],
  // setter and resetter react to each other's results: small slices keep their turns short
  sliceSize(spec, processesHere) {
    return spec.reset ? 4 * processesHere : undefined;
  },
  regions(spec) {
    return { [REGION]: Math.max(1, spec.keys) * 8 };
  },
  generator(spec, ctx) {
    const rng = mulberry32(ctx.seed);
    const keys = Math.max(1, spec.keys);
    // with reset: even processes set, odd ones reset their partner's values, per register
    const pair = Math.floor(ctx.index / 2);
    const setter = !spec.reset || ctx.index % 2 === 0;
    const partner = setter ? ctx.index : ctx.index - 1;
    const key = spec.reset ? pair % keys : ctx.index % keys;
    let j = 0;
    let mine = BASE; // the last value this process wrote, when it chains without a partner
    let seen = BASE; // resetter: the register's value as its last CAS found it
    let partnerNext = 0; // resetter: the partner op whose tag it expects next
    let reset = true; // setter: the register was back at BASE when last looked at
    return {
      next(max, last) {
        // a CAS returns the old value: the resetter follows the register instead of guessing
        for (const old of okResults(last, 'cas')) {
          seen = old;
          if (old >> 32n === BigInt(partner + 1)) partnerNext = Number(old & 0xffffffffn);
        }
        // the setter CASes only once it has read BASE back: a CAS it sends then succeeds, so
        // the one in flight at a fault did swap (with blind CASes 85% failed, the third party
        // being no faster than the setter, and the double success showed in few runs)
        if (spec.reset && setter) {
          for (const e of last) if (e.type !== 'invoke') reset = e.type === 'ok' && e.f === 'read' && u64Of(e.result) === BASE;
        }
        const ops: OpDescriptor[] = [];
        for (let n = 0; n < max; n++) {
          const offset = (spec.reset ? key : Math.floor(rng() * keys)) * 8;
          if (spec.reset && setter && !reset) {
            ops.push({ f: 'read', region: REGION, offset, len: 8 });
            continue;
          }
          if (spec.reads > 0 && rng() < spec.reads) {
            ops.push({ f: 'read', region: REGION, offset, len: 8 });
            continue;
          }
          if (spec.reset && setter) {
            ops.push({ f: 'cas', region: REGION, offset, expect: BASE, value: tag(ctx.index, j++) });
            reset = false; // polls again until the third party has reset it
          } else if (spec.reset) {
            // reset what is there if it is the partner's; else the partner's next value
            const expect = seen !== BASE && seen >> 32n === BigInt(partner + 1) ? seen : tag(partner, partnerNext);
            ops.push({ f: 'cas', region: REGION, offset, expect, value: BASE });
            seen = BASE;
          } else if (rng() < 0.2) {
            ops.push({ f: 'write', region: REGION, offset, len: 8, value: (mine = tag(ctx.index, j++)) });
          } else {
            const next = tag(ctx.index, j++);
            ops.push({ f: 'cas', region: REGION, offset, expect: rng() < 0.5 ? mine : BASE, value: next });
            mine = next;
          }
        }
        return ops;
      },
    };
  },
  snapshot(spec) {
    return [wordSnapshot(REGION, 0, Math.max(1, spec.keys))];
  },
};
