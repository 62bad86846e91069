// The fault registry: kind name -> package. Campaign validation and the run loop both go
// through `faultPackage`, so an unknown kind is caught before anything starts.
import { ackLoss } from './ack-loss';
import { crash } from './crash';
import { delay } from './delay';
import { NicFailoverParams, nicFailoverFor } from './nic-failover';
import { packetLoss } from './packet-loss';
import { partition } from './partition';
import { pause } from './pause';
import type { FaultPackage } from './types';

export * from './types';
export { tableName } from './nft';
export { durationMs, Duration } from './params';

export const FAULT_KINDS = ['packet-loss', 'ack-loss', 'nic-failover', 'partition', 'delay', 'crash', 'pause'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export function isFaultKind(k: string): k is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(k);
}

/** the package for a kind, given its validated params (nic-failover's method picks the side) */
export function faultPackage(kind: FaultKind, params: unknown): FaultPackage<unknown> {
  switch (kind) {
    case 'packet-loss': return packetLoss as FaultPackage<unknown>;
    case 'ack-loss': return ackLoss as FaultPackage<unknown>;
    case 'nic-failover': return nicFailoverFor(NicFailoverParams.parse(params ?? {})) as FaultPackage<unknown>;
    case 'partition': return partition as FaultPackage<unknown>;
    case 'delay': return delay as FaultPackage<unknown>;
    case 'crash': return crash as FaultPackage<unknown>;
    case 'pause': return pause as FaultPackage<unknown>;
  }
}
