// rxe hardware counters: /sys/class/infiniband/<dev>/ports/<port>/hw_counters/* (one number
// per file: duplicate_request, retry_exceeded_err, out_of_seq_request, link_downed, ...).
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

export const SYSFS_IB = process.env.RDMA_CHAOS_SYSFS_IB ?? '/sys/class/infiniband';

function dir(device: string, port: number): string {
  return path.join(SYSFS_IB, device, 'ports', String(port), 'hw_counters');
}

export function counterNames(device: string, port = 1): string[] {
  try {
    return readdirSync(dir(device, port)).sort();
  } catch {
    return [];
  }
}

export function readCounters(device: string, port = 1): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of counterNames(device, port)) {
    try {
      const v = Number(readFileSync(path.join(dir(device, port), name), 'utf8').trim());
      if (Number.isFinite(v)) out[name] = v;
    } catch {
      /* a counter that cannot be read is left out */
    }
  }
  return out;
}

/** the netdev under an rxe device (its link-local GID's ndev), e.g. data0 */
export function deviceNetdev(device: string, port = 1): string | undefined {
  for (const idx of [0, 1]) {
    try {
      const v = readFileSync(path.join(SYSFS_IB, device, 'ports', String(port), 'gid_attrs', 'ndevs', String(idx)), 'utf8').trim();
      if (v) return v;
    } catch {
      /* try the next entry */
    }
  }
  return undefined;
}
