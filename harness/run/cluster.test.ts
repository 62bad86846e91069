// What a driver can do for the crash fault, without a cluster: per node on ssh (only hosts with
// power commands), the refusal line before a run starts, and healing a node that answers.
import { ChaosError, type NodeDriver } from '../core';
import type { RunPlan } from '../campaign';
import { checkFaultsFit, controllerOps, driverCan } from './cluster';

function fakeSsh(powered: string[], answers = true): NodeDriver & { restarted: string[] } {
  const restarted: string[] = [];
  return {
    kind: 'ssh',
    restarted,
    canPower: (n: string) => powered.includes(n),
    crashNode: async () => undefined,
    restartNode: async (n: string) => void restarted.push(n),
    exec: async () => ({ code: answers ? 0 : 255, signal: null, stdout: '', stderr: '' }),
  } as unknown as NodeDriver & { restarted: string[] };
}

const crashOn = (target: string): RunPlan =>
  ({ faults: [{ id: 'f1-crash', kind: 'crash', target, startMs: 0, stopMs: 1000, params: { method: 'kill', restart: true }, seed: 1 }] }) as unknown as RunPlan;

test('over ssh only a host with power commands can be crashed and restarted', () => {
  const d = fakeSsh(['node1']);
  expect([driverCan(d, 'kill-node', 'node1'), driverCan(d, 'restart-node', 'node1')]).toEqual([true, true]);
  expect([driverCan(d, 'kill-node', 'node2'), driverCan(d, 'restart-node', 'node2')]).toEqual([false, false]);
  expect(() => checkFaultsFit(crashOn('node1'), d, 'c.yaml')).not.toThrow();
  let e: unknown;
  try {
    checkFaultsFit(crashOn('node2'), d, 'c.yaml');
  } catch (x: unknown) {
    e = x;
  }
  expect(e).toBeInstanceOf(ChaosError);
  expect([(e as ChaosError).code, (e as Error).message]).toEqual([
    'run.faultUnsupported',
    'c.yaml: fault f1-crash (crash, method kill) on node2 needs a driver that can crash nodes; the ssh driver cannot (node2 has no power commands in the inventory)',
  ]);
});

test('healing restarts a crashed ssh host through its power commands, and leaves one that answers alone', async () => {
  const up = fakeSsh(['node2'], true);
  await controllerOps(up, () => undefined, undefined, { healing: true }).restartNode('node2');
  expect(up.restarted).toEqual([]);
  const down = fakeSsh(['node2'], false);
  await controllerOps(down, () => undefined, undefined, { healing: true }).restartNode('node2');
  expect(down.restarted).toEqual(['node2']);
  // no power commands and no answer: a fault of the testbed's to name, not a silent pass
  await expect(controllerOps(fakeSsh([], false), () => undefined, undefined, { healing: true }).restartNode('node2')).rejects.toThrow('the ssh driver cannot restart node2');
});
