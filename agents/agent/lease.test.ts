// The lease: whatever way the controller goes away, the agent's faults are healed and the agent
// is gone within one lease period. Fake binding; the faults are plain files here (the real
// nft case runs on rxe in agents/rxe-lease.test.ts).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pidAlive, startFakeAgent } from '../test-support';

const LEASE_MS = 1500;
const SLACK_MS = 1500; // controller-side scheduling and process exit under load
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rc-lease-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function agentWithFault() {
  const { agent } = await startFakeAgent({ leaseMs: LEASE_MS });
  const marker = path.join(dir, 'fault-installed');
  const r = await agent.setFaults([{ id: 'marker', apply: [['touch', marker]], clear: [['rm', '-f', marker]] }]);
  expect(r.active).toEqual(['marker']);
  expect(existsSync(marker)).toBe(true);
  return { agent, marker, pid: agent.info!.pid, guardian: agent.info!.guardianPid! };
}

async function until(ms: number, cond: () => boolean): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((ok) => setTimeout(ok, 20));
  }
  return cond();
}

test('a controller that stops renewing: the agent heals and exits within the lease', async () => {
  const { agent, marker, guardian } = await agentWithFault();
  const t0 = Date.now();
  agent.stopRenewing();
  const exit = await agent.exited;
  expect(Date.now() - t0).toBeLessThanOrEqual(LEASE_MS + SLACK_MS);
  expect(exit.bye).toEqual({ reason: 'lease', healed: true });
  expect(existsSync(marker)).toBe(false);
  expect(await until(2000, () => !pidAlive(guardian))).toBe(true);
});

test('a dropped transport (stdin EOF): the agent heals and exits', async () => {
  const { agent, marker, pid, guardian } = await agentWithFault();
  agent.detach();
  expect(await until(LEASE_MS + SLACK_MS, () => !existsSync(marker) && !pidAlive(pid))).toBe(true);
  expect(await until(2000, () => !pidAlive(guardian))).toBe(true);
});

test('a killed agent: its guardian heals the faults within the lease', async () => {
  const { agent, marker, pid, guardian } = await agentWithFault();
  process.kill(pid, 'SIGKILL');
  const exit = await agent.exited;
  expect(exit.signal ?? exit.code).toBeTruthy();
  expect(exit.bye).toBeUndefined();
  expect(await until(LEASE_MS + SLACK_MS, () => !existsSync(marker))).toBe(true);
  expect(await until(2000, () => !pidAlive(guardian))).toBe(true);
});

test('heal is idempotent and applying a set replaces the previous one whole', async () => {
  const { agent, marker } = await agentWithFault();
  const other = path.join(dir, 'other');
  await agent.setFaults([{ id: 'other', apply: [['touch', other]], clear: [['rm', '-f', other]] }]);
  expect([existsSync(marker), existsSync(other)]).toEqual([false, true]);
  expect((await agent.heal()).active).toEqual([]);
  expect((await agent.heal()).active).toEqual([]);
  expect(existsSync(other)).toBe(false);
  await expect(agent.setFaults([{ id: 'x', nft: 'table inet mine { }' }])).rejects.toMatchObject({ code: 'fault.badNft' });
  await expect(agent.setFaults([{ id: 'y', apply: [['false']] }])).rejects.toMatchObject({ code: 'fault.applyFailed' });
  await agent.shutdown();
});
