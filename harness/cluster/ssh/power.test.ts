// Power control without a host: the commands run as argument arrays on the controller, a failing
// one is the testbed's trouble (exit 2) named by its program, and `on` waits for the RDMA ports.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChaosError, ExitCode } from '../../core';
import type { InventoryHost } from './inventory';
import { canPower, powerOff, powerOn } from './power';

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-power-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const host = (power?: InventoryHost['power']): InventoryHost => ({
  name: 'h1', address: '10.0.0.1', port: 22, user: 'root', keyPath: '/k', hostKeys: [],
  rails: [{ netdev: 'eth1', address: '10.77.0.1/24', rdmaDevice: 'rxe0' }],
  ...(power ? { power } : {}),
});

test('off runs its argv without a shell; a host without power commands cannot be crashed', async () => {
  const mark = path.join(dir, 'off; touch pwned');
  await powerOff(host({ off: ['touch', mark], on: ['true'], bootTimeoutMs: 1000 }), 'inv.yaml');
  expect(fs.existsSync(mark)).toBe(true);
  expect(fs.existsSync('pwned')).toBe(false);
  expect(canPower(host())).toBe(false);
  await expect(powerOff(host(), 'inv.yaml')).rejects.toThrow('inv.yaml: host h1 has no power commands');
});

test('a failing power command is an infrastructure fault naming the node and the program', async () => {
  const e = await powerOff(host({ off: ['sh', '-c', 'echo "BMC says no" >&2; exit 3'], on: ['true'], bootTimeoutMs: 1000 }), 'inv.yaml').catch((x: unknown) => x);
  expect(e).toBeInstanceOf(ChaosError);
  expect({ code: (e as ChaosError).exitCode, message: (e as Error).message }).toEqual({ code: ExitCode.unknown, message: 'node h1: power off (sh) failed: BMC says no' });
  const missing = await powerOff(host({ off: ['/no/such/ipmitool'], on: ['true'], bootTimeoutMs: 1000 }), 'inv.yaml').catch((x: unknown) => x);
  expect((missing as Error).message).toBe('node h1: power off (/no/such/ipmitool) failed: no such program');
});

test('on waits until the probe answers with every rail port ACTIVE, and gives up at the boot timeout with the last state', async () => {
  const answers: Array<() => Record<string, string>> = [
    () => { throw new Error('connect ECONNREFUSED'); },
    () => ({ rxe0: 'DOWN' }),
    () => ({ rxe0: 'ACTIVE' }),
  ];
  let probes = 0;
  await powerOn(host({ off: ['true'], on: ['true'], bootTimeoutMs: 60_000 }), 'inv.yaml', async () => answers[probes++]!());
  expect(probes).toBe(3);
  const e = await powerOn(host({ off: ['true'], on: ['true'], bootTimeoutMs: 1 }), 'inv.yaml', async () => ({ rxe0: 'DOWN' })).catch((x: unknown) => x);
  expect((e as Error).message).toBe('node h1: not usable 0.001 s after power on: rxe0 DOWN');
}, 30_000);
