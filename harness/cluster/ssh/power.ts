// Out-of-band power control of inventory hosts: what the crash fault needs over ssh, since a
// host that is down cannot be asked to come back. The inventory's `power.off` / `power.on` are
// argument arrays run on the controller (ipmitool, a PDU's CLI, a hypervisor's); their secrets
// come from the environment (ipmitool -E), never from the file, and their output is not logged.
import { execFile } from 'node:child_process';
import { InfraError, InputError } from '../../core';
import type { InventoryHost } from './inventory';

const POWER_COMMAND_TIMEOUT_MS = 10 * 60_000;
const POLL_MS = 2_000;

export function canPower(host: InventoryHost): boolean {
  return host.power !== undefined;
}

function powerOf(host: InventoryHost, file: string): NonNullable<InventoryHost['power']> {
  if (!host.power) throw new InputError('fault.unsupported', `${file}: host ${host.name} has no power commands (power: {off: [...], on: [...]}), so it cannot be crashed or restarted`);
  return host.power;
}

/** Runs one power command; a failure is the testbed's trouble (exit 2), named by its program. */
function runPower(host: InventoryHost, which: 'off' | 'on', argv: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { timeout: POWER_COMMAND_TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such program' : String(stderr).trim().split('\n').pop() || err.message.split('\n')[0];
      reject(new InfraError('cluster.powerFailed', `node ${host.name}: power ${which} (${argv[0]}) failed: ${why}`));
    });
  });
}

export async function powerOff(host: InventoryHost, file: string): Promise<void> {
  await runPower(host, 'off', powerOf(host, file).off);
}

/**
 * Powers the host on and waits until it is usable: SSH answers with its pinned key and every
 * rail's RDMA port reads ACTIVE (`probe` gives the ports' states, or throws while it is down).
 */
export async function powerOn(host: InventoryHost, file: string, probe: () => Promise<Record<string, string>>): Promise<void> {
  const p = powerOf(host, file);
  await runPower(host, 'on', p.on);
  const deadline = Date.now() + p.bootTimeoutMs;
  const devices = host.rails.map((r) => r.rdmaDevice).filter((d): d is string => d !== undefined);
  let last = 'SSH not answering';
  for (;;) {
    try {
      const ports = await probe();
      const notActive = devices.filter((d) => ports[d] !== 'ACTIVE');
      if (notActive.length === 0) return;
      last = notActive.map((d) => `${d} ${ports[d] ?? 'ABSENT'}`).join(', ');
    } catch (e: unknown) {
      if (e instanceof InputError && e.code !== 'cluster.unreachable') throw e; // a changed host key stays refused
      last = (e as Error).message.split('\n')[0] ?? last;
    }
    if (Date.now() > deadline) throw new InfraError('cluster.bootTimeout', `node ${host.name}: not usable ${p.bootTimeoutMs / 1000} s after power on: ${last}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
