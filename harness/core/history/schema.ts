// The one schema for a history event. Every producer (agents, importers, nemesis) and every
// consumer (checkers, reports) goes through these types; nothing else defines an event.
import { z } from 'zod';
import { FaultSpec } from '../faults';
import { Json } from '../json';

/** invoke: started. ok: took effect. fail: provably did not take effect. info: unknown. */
export const EventType = z.enum(['invoke', 'ok', 'fail', 'info']);
export type EventType = z.infer<typeof EventType>;

/**
 * Operation functions. Client ops on RDMA (read/write/fadd/cas/send/recv), imported ops from
 * other tools (get/put/append/txn/acquire/release), the nemesis' start/stop of a fault, a
 * consensus protocol's decide (key: the log slot, value: the value decided, by that process),
 * a protocol role's restart (that process begins a new incarnation, its state lost), and a
 * reconfigurable log's cache (key cache@id, value: the cache of Adore's tree it made).
 */
export const OpF = z.enum([
  'read', 'write', 'cas', 'fadd', 'send', 'recv',
  'get', 'put', 'append', 'txn', 'acquire', 'release',
  'start', 'stop',
  'decide', 'restart', 'cache',
]);
export type OpF = z.infer<typeof OpF>;


/** RDMA metadata, recorded wherever the agent knows it. 64-bit ids travel as decimal strings. */
export const RdmaMeta = z
  .object({
    rail: z.number().int().nonnegative().optional(),
    nic: z.string().optional(),
    qpn: z.number().int().nonnegative().optional(),
    /** first and last PSN the WR used (inclusive) */
    psn: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]).optional(),
    /** failover epoch: 0 until the policy first moves traffic, +1 each move */
    epoch: z.number().int().nonnegative().optional(),
    wrId: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).optional(),
    /** this posting is a re-post by the failover policy of an earlier WR */
    repost: z.boolean().optional(),
  })
  .strict();
export type RdmaMeta = z.infer<typeof RdmaMeta>;

export const HistoryEvent = z
  .object({
    type: EventType,
    /** client process id, or 'nemesis' for fault events */
    process: z.union([z.number().int().nonnegative(), z.literal('nemesis')]),
    f: OpF,
    node: z.string().optional(),
    /** key or remote address (decimal/hex string for addresses beyond 2^53) */
    key: z.union([z.string(), z.number()]).optional(),
    /** the argument: write value, FADD delta, CAS [expected, new], SEND payload id */
    value: Json.optional(),
    /** the result on completion: read value, FADD old value, CAS old value or swapped flag */
    result: Json.optional(),
    /** the error name on a fail/info completion, e.g. IBV_WC_RETRY_EXC_ERR */
    error: z.string().optional(),
    /** monotonic nanoseconds; one clock domain per history */
    time: z.number().int().nonnegative().optional(),
    rdma: RdmaMeta.optional(),
    fault: FaultSpec.optional(),
    /** a read of the final snapshot of remote memory, taken after every op completed */
    final: z.boolean().optional(),
  })
  .strict();
export type HistoryEvent = z.infer<typeof HistoryEvent>;

export function isNemesis(e: HistoryEvent): boolean {
  return e.process === 'nemesis';
}
