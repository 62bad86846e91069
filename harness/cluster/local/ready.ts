// Waiting for a booted node: its fabric attached, the console's SSHD and READY marks, then its
// RDMA ports ACTIVE. Used by the first boot (up.ts) and by a restart (restart.ts).
import * as fs from 'node:fs';
import { InputError, type NodeInfo } from '../../core';
import type { UpConfig } from './config';
import { waitForLine, type WaitLineResult } from './console';
import type { LocalDriver } from './driver';
import type { FabricBackend } from './fabric';
import { parsePortStates, portStateArgv } from './probe';
import { isAlive } from './procs';
import { READY_MARK, SSHD_MARK, tail } from './qemu';
import type { FabricRecord, NodeRecord } from './state';

export interface NodeTiming {
  name: string;
  /** epoch ms */
  startedAt: number;
  readyAt: number;
  usableAt: number;
  /** rxe device -> port state, seen over SSH or reported by the guest on READY */
  ports: Record<string, string>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Let the backend see each node start (a point-to-point link waits for its listening end). */
export async function fabricNodeStarted(backend: FabricBackend, fabrics: readonly FabricRecord[], nodeIndex: number, startedAt: number): Promise<void> {
  if (!backend.nodeStarted) return;
  for (const f of fabrics) await backend.nodeStarted(f, nodeIndex, startedAt);
}

/** Wait until a just-started node is usable: READY on its console, SSH answers, ports ACTIVE. */
export async function waitNode(
  driver: LocalDriver,
  s: { node: NodeRecord; from: number; exited: Promise<number | null>; startedAt: number },
  deadline: number,
  cfg: Pick<UpConfig, 'log'>,
  signal: AbortSignal,
): Promise<NodeTiming> {
  const n = s.node;
  let exited = false;
  void s.exited.then(() => (exited = true));
  const watch = { deadline, dead: () => exited || !n.proc || !isAlive(n.proc), signal };
  const secs = (t: number): string => ((t - s.startedAt) / 1000).toFixed(1);
  const failed = (r: WaitLineResult, what: string): InputError => {
    if (r.kind === 'aborted') return new InputError('cluster.interrupted', `${n.name}: boot interrupted; the cluster was taken down`);
    if (r.kind === 'dead') {
      const why = tail(n.qemuLog);
      if (/hostfwd|host forwarding/i.test(why)) {
        return new InputError('cluster.portInUse', `${n.name}: qemu could not forward 127.0.0.1:${n.sshPort}: ${why}`);
      }
      const panic = /Kernel panic[^\r\n]*/.exec(readFrom(n.consoleLog, s.from))?.[0];
      return new InputError('cluster.qemuFailed', `${n.name}: qemu exited during boot: ${panic ?? (why || tail(n.consoleLog) || 'no output')}`);
    }
    return new InputError(
      'cluster.bootTimeout',
      `${n.name}: no ${what} line on its console within ${Math.round((deadline - s.startedAt) / 1000)} s (last: ${tail(n.consoleLog, 1) || 'nothing'})`,
    );
  };
  // The guest announces sshd as soon as it listens, while it still sets up the rails: the SSH
  // handshake (the slow part of getting in under TCG) then overlaps with that work.
  const first = await waitForLine(n.consoleLog, [SSHD_MARK, READY_MARK], { from: s.from, ...watch });
  if (first.kind !== 'line') throw failed(first, READY_MARK);
  cfg.log(`${n.name}: sshd up after ${secs(first.at)} s`);
  const ready: Promise<WaitLineResult> =
    first.mark === READY_MARK ? Promise.resolve(first) : waitForLine(n.consoleLog, READY_MARK, { from: first.end, ...watch });
  // the READY line carries the port states the guest saw: `rxe0=ACTIVE rxe1=ACTIVE`
  const readyOk = ready.then((r) => {
    if (r.kind !== 'line') throw failed(r, READY_MARK);
    return Object.fromEntries([...r.line.matchAll(/\b(rxe\d+)=(\S+)/g)].map((m) => [m[1] as string, m[2] as string]));
  });
  readyOk.catch(() => undefined); // its failure is reported through `ready` below
  const ports = await probeUntilActive(driver, n, deadline, signal, readyOk);
  const r = await ready;
  if (r.kind !== 'line') throw failed(r, READY_MARK);
  const usableAt = Date.now();
  cfg.log(`${n.name}: READY after ${secs(r.at)} s; sshd answers, ${n.rails.map((x) => x.rdmaDevice).join(' ')} ACTIVE after ${secs(usableAt)} s`);
  return { name: n.name, startedAt: s.startedAt, readyAt: r.at, usableAt, ports };
}

/**
 * SSH in (retrying while sshd starts) until every rail's rxe port is ACTIVE; returns the states.
 * The first probe usually runs before the guest has finished its rails. Then, rather than spend
 * the guest's only vCPU on polling, wait for its READY line: once a command has run over SSH
 * and the guest reports every port ACTIVE, the node is usable.
 */
async function probeUntilActive(
  driver: LocalDriver,
  n: NodeRecord,
  deadline: number,
  signal?: AbortSignal,
  ready?: Promise<Record<string, string>>,
): Promise<Record<string, string>> {
  const devices = n.rails.map((r) => r.rdmaDevice);
  const notActive = (st: Record<string, string>): string[] =>
    devices.filter((d) => st[d] !== 'ACTIVE').map((d) => `${d}=${st[d] ?? 'ABSENT'}`);
  let last = '';
  for (;;) {
    if (signal?.aborted) throw new InputError('cluster.interrupted', `${n.name}: interrupted; the cluster was taken down`);
    let connected = false;
    try {
      const r = await driver.exec(n.name, portStateArgv(devices), { timeoutMs: Math.max(1000, deadline - Date.now()) });
      connected = r.code !== null;
      const states = parsePortStates(r.stdout);
      const bad = notActive(states);
      if (bad.length === 0) return states;
      last = `ports not ACTIVE: ${bad.join(' ')}`;
    } catch (e: unknown) {
      last = `sshd on 127.0.0.1:${n.sshPort} does not answer: ${(e as Error).message}`;
    }
    if (Date.now() >= deadline) throw new InputError('cluster.bootTimeout', `${n.name}: not usable in time: ${last}`);
    if (connected && ready) {
      const reported = await ready;
      if (notActive(reported).length === 0) return reported;
      ready = undefined; // the guest gave up waiting for a port: poll it ourselves
    } else {
      await sleep(150);
    }
  }
}

/** The port states over SSH, retrying only while SSH does not answer. */
export async function probePorts(driver: LocalDriver, n: NodeRecord, deadline: number, signal?: AbortSignal): Promise<Record<string, string>> {
  for (;;) {
    if (signal?.aborted) throw new InputError('cluster.interrupted', `${n.name}: interrupted`);
    try {
      const r = await driver.exec(n.name, portStateArgv(n.rails.map((x) => x.rdmaDevice)), { timeoutMs: Math.max(1000, deadline - Date.now()) });
      if (r.code !== null) return parsePortStates(r.stdout);
    } catch (e: unknown) {
      if (Date.now() >= deadline) throw e;
    }
    if (Date.now() >= deadline) throw new InputError('cluster.bootTimeout', `${n.name}: no answer over SSH`);
    await sleep(150);
  }
}

export function nodeInfo(n: NodeRecord, ports: Record<string, string>, state: NodeInfo['state'] = 'ready'): NodeInfo {
  return {
    name: n.name,
    endpoint: `127.0.0.1:${n.sshPort}`,
    rails: n.rails.map((r) => ({ index: r.index, netdev: r.netdev, address: r.address, rdmaDevice: r.rdmaDevice, portState: ports[r.rdmaDevice] })),
    state,
  };
}

function readFrom(file: string, offset: number): string {
  try {
    return fs.readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

