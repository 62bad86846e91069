// The fault journal on its own (the kill loop tests it on the real cluster): entries survive a
// new reader, a recovered fault leaves it, leftovers are recovered through their packages and
// said, a fault that cannot be recovered is the testbed's trouble (exit 2), and a garbled
// journal is refused in one line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExitCode, type ControllerOps, type NodeDriver, type NodeInfo } from '../core';
import { FaultJournal, healLeftovers, type JournalEntry } from './journal';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-journal-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const entry = (id: string, kind: string, target: string, params: Record<string, unknown>, agentPid?: number): JournalEntry => ({
  id, kind, target, params, run: 'store/x/1', at: '2026-12-03T00:00:00.000Z', ...(agentPid !== undefined ? { agentPid } : {}),
});

const node = (name: string): NodeInfo => ({ name, endpoint: 'x', state: 'ready', rails: [0, 1].map((i) => ({ index: i, netdev: `data${i}`, address: `10.${77 + i}.0.1/24`, rdmaDevice: `rxe${i}` })) });
const driver = { kind: 'local', list: () => Promise.resolve([node('node1'), node('node3')]) } as unknown as NodeDriver;

function recordingOps(calls: string[], fail?: string): (pidOf: (n: string) => number | undefined) => ControllerOps {
  return (pidOf) => {
    const act = (what: string) => (node: string, x?: number | string): Promise<void> => {
      calls.push(`${what} ${node}${x !== undefined ? ' ' + String(x) : ''}${what === 'signal' ? ` pid ${pidOf(node)}` : ''}`);
      return fail === what ? Promise.reject(new Error('qemu monitor gone')) : Promise.resolve();
    };
    return {
      pullCable: act('pull'), restoreCable: act('restore'), crashNode: act('crash'), panicNode: act('panic'), restartNode: act('restart'),
      signalAgent: act('signal'),
      read: () => Promise.resolve(''), agentState: () => Promise.resolve(''), nodeState: () => Promise.resolve('up'),
    };
  };
}

test('entries persist across readers; a removed one is gone; the last removal deletes the file', () => {
  const f = path.join(dir, 'j.json');
  const a = new FaultJournal(f);
  a.add(entry('f1', 'nic-failover', 'node1', { method: 'cable', rail: 1 }));
  a.add(entry('f2', 'pause', 'node3', {}, 4242));
  expect(new FaultJournal(f).entries().map((e) => e.id)).toEqual(['f1', 'f2']);
  a.remove('f1', 'node1');
  expect(new FaultJournal(f).entries().map((e) => e.id)).toEqual(['f2']);
  a.remove('f2', 'node3');
  expect(fs.existsSync(f)).toBe(false);
  expect(a.entries()).toEqual([]);
});

test('leftovers are recovered through their packages, said, and taken out of the journal', async () => {
  const j = new FaultJournal(path.join(dir, 'j.json'));
  j.add(entry('f1', 'nic-failover', 'node1', { method: 'cable', rail: 1 }));
  j.add(entry('f2', 'pause', 'node3', {}, 4242));
  const calls: string[] = [];
  const said: string[] = [];
  const healed = await healLeftovers(j, { driver, ops: recordingOps(calls), say: (l) => said.push(l) });
  expect(healed).toEqual(['f1', 'f2']);
  expect(calls).toEqual(['restore node1 1', 'signal node3 SIGCONT pid 4242']);
  expect(said[0]).toMatch(/^healing 2 fault\(s\) left in effect by an interrupted run \(store\/x\/1\): f1 \(nic-failover on node1\), f2 \(pause on node3\)$/);
  expect(j.entries()).toEqual([]);
  // nothing left: nothing said, nothing done
  expect(await healLeftovers(j, { driver, ops: recordingOps(calls), say: (l) => said.push(l) })).toEqual([]);
  expect(said.length).toBe(3);
});

test('a fault that cannot be recovered: exit 2 naming it, and it stays listed', async () => {
  const j = new FaultJournal(path.join(dir, 'j.json'));
  j.add(entry('f1', 'nic-failover', 'node1', { method: 'cable', rail: 0 }));
  const e = await healLeftovers(j, { driver, ops: recordingOps([], 'restore'), say: () => undefined }).catch((x: unknown) => x as Error & { exitCode?: number; code?: string });
  expect(e).toMatchObject({ code: 'cluster.healFailed', exitCode: ExitCode.unknown });
  expect((e as Error).message).toMatch(/could not heal f1 \(nic-failover on node1\) left by store\/x\/1: qemu monitor gone; rdma-chaos cluster down cleans everything/);
  expect(j.entries().map((x) => x.id)).toEqual(['f1']);
});

test('a garbled journal is refused in one line, as the testbed\'s trouble', () => {
  const f = path.join(dir, 'j.json');
  fs.writeFileSync(f, '{"faults": [{"id": 1}');
  expect(() => new FaultJournal(f).entries()).toThrow(expect.objectContaining({ code: 'cluster.badJournal', exitCode: ExitCode.unknown }));
});
