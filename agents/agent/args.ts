// The agent's command line, parsed by node:util's parseArgs (strict: an unknown or repeated
// flag is refused) and checked, so `--lease-ms x` is an error rather than a NaN lease that
// never lapses.
import { parseArgs } from 'node:util';

export interface AgentArgs {
  leaseMs: number;
  /** set: run as the lease guardian of this state file */
  guardian?: string;
  stateDir?: string;
  noGuardian: boolean;
}

export const LEASE_MS = { default: 10_000, min: 100, max: 3_600_000 } as const;

export class AgentArgsError extends Error {}

export function parseAgentArgs(argv: readonly string[]): AgentArgs {
  let values: { 'lease-ms'?: string; guardian?: string; 'state-dir'?: string; 'no-guardian'?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'lease-ms': { type: 'string' },
        guardian: { type: 'string' },
        'state-dir': { type: 'string' },
        'no-guardian': { type: 'boolean' },
      },
    }));
  } catch (e: unknown) {
    throw new AgentArgsError((e as Error).message);
  }
  const raw = values['lease-ms'];
  const leaseMs = raw === undefined ? LEASE_MS.default : Number(raw);
  if (!/^\d+$/.test(raw ?? '0') || leaseMs < LEASE_MS.min || leaseMs > LEASE_MS.max) {
    throw new AgentArgsError(`--lease-ms: expected whole milliseconds from ${LEASE_MS.min} to ${LEASE_MS.max}, got "${raw}"`);
  }
  for (const k of ['guardian', 'state-dir'] as const) {
    if (values[k] === '') throw new AgentArgsError(`--${k}: expected a path, got ""`);
  }
  return { leaseMs, guardian: values.guardian, stateDir: values['state-dir'], noGuardian: values['no-guardian'] === true };
}
