// `cluster up`: fabric per rail, one qemu per node (all booting in parallel), then per node:
// the READY line on its console, sshd answering over the forwarded port, every rxe port
// ACTIVE. Every process is recorded in state.json the moment it exists; any failure tears
// the whole cluster down before the error is thrown, so nothing is left running.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { InputError, isChaosError } from '../../core';
import { resolveAccel } from './accel';
import { bootTimeoutFor, checkPortsFree, ensureDir, resolveUpConfig, type UpConfig, type UpOptions } from './config';
import { fileSize, waitForLine, type WaitLineResult } from './console';
import { teardownLocked } from './down';
import { LocalDriver } from './driver';
import { parsePortStates, portStateArgv } from './probe';
import type { NodeInfo } from '../../core';
import { identify, isAlive } from './procs';
import { baseSpec, nodeRecords, nodeSpec } from './nodes';
import { READY_MARK, SSHD_MARK, startQemu, tail } from './qemu';
import { lockState, ownMarker, readState, writeState, type ClusterShape, type ClusterState, type FabricRecord, type NodeRecord } from './state';
import { fabricAlive, type FabricBackend } from './fabric';

export interface NodeTiming {
  name: string;
  /** epoch ms */
  startedAt: number;
  readyAt: number;
  usableAt: number;
  /** rxe device -> port state, seen over SSH or reported by the guest on READY */
  ports: Record<string, string>;
}

export interface UpResult {
  state: ClusterState;
  driver: LocalDriver;
  reused: boolean;
  accelDetail: string;
  /** the nodes when they became usable */
  nodes: NodeInfo[];
  /** epoch ms: the command started, the first qemu started, the cluster became usable */
  timings: { commandAt: number; bootAt: number; usableAt: number; nodes: NodeTiming[] };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function clusterUp(o: UpOptions = {}): Promise<UpResult> {
  return upWith(o, (have, want) => have.nodes === want.nodes && have.rails === want.rails);
}

/** For tests and runs: reuse any running cluster with at least this many nodes and rails. */
export async function ensureCluster(o: UpOptions = {}): Promise<UpResult> {
  return upWith(o, (have, want) => have.nodes >= want.nodes && have.rails >= want.rails);
}

async function upWith(o: UpOptions, fits: (have: ClusterShape, want: ClusterShape) => boolean): Promise<UpResult> {
  const commandAt = Date.now();
  const cfg = await resolveUpConfig(o);
  const unlock = await lockState(cfg.stateDir, 'cluster up', cfg.lockWaitMs);
  try {
    const existing = readState(cfg.stateDir);
    if (existing) {
      const reused = await tryReuse(existing, cfg, fits, commandAt);
      if (reused) return reused;
    }
    return await boot(cfg, commandAt);
  } finally {
    unlock();
  }
}

async function tryReuse(
  s: ClusterState,
  cfg: UpConfig,
  fits: (have: ClusterShape, want: ClusterShape) => boolean,
  commandAt: number,
): Promise<UpResult | undefined> {
  const running = s.phase === 'ready' && s.nodes.every((n) => n.proc !== undefined && isAlive(n.proc)) && s.fabrics.every(fabricAlive);
  if (running) {
    const want = { nodes: cfg.nodes, rails: cfg.rails };
    if (cfg.fabricExplicit && s.fabric !== cfg.fabric.name) {
      throw new InputError(
        'cluster.shapeMismatch',
        `${cfg.stateDir}: a cluster on the ${s.fabric} fabric is already up (wanted ${cfg.fabric.name}); run rdma-chaos cluster down first`,
      );
    }
    if (!fits(s.shape, want)) {
      throw new InputError(
        'cluster.shapeMismatch',
        `${cfg.stateDir}: a ${s.shape.nodes}-node ${s.shape.rails}-rail cluster is already up (wanted ${want.nodes} nodes, ${want.rails} rails); run rdma-chaos cluster down first`,
      );
    }
    const driver = new LocalDriver(s, cfg.cache);
    try {
      // alive means: every node runs commands over SSH; a port may be DOWN under a fault
      const ports = await Promise.all(s.nodes.map((n) => probePorts(driver, n, Date.now() + 30_000, cfg.signal)));
      const nodes = s.nodes.map((n, i) => nodeInfo(n, ports[i] ?? {}));
      const now = Date.now();
      return { state: s, driver, reused: true, accelDetail: s.accel, nodes, timings: { commandAt, bootAt: now, usableAt: now, nodes: [] } };
    } catch (e: unknown) {
      await driver.close();
      cfg.log(`the running cluster does not answer (${(e as Error).message}); booting a new one`);
    }
  } else {
    cfg.log(`cleaning up an unfinished cluster (${s.phase}) left in ${cfg.stateDir}`);
  }
  await teardownLocked(cfg.stateDir, s);
  return undefined;
}

async function boot(cfg: UpConfig, commandAt: number): Promise<UpResult> {
  await checkPortsFree(cfg.sshPortBase, cfg.nodes);
  const dir = cfg.stateDir;
  const marker = ownMarker(dir);
  const sharedDir = path.join(dir, 'shared');
  ensureDir(sharedDir);
  const state: ClusterState = {
    version: 1,
    stateDir: dir,
    phase: 'booting',
    shape: { nodes: cfg.nodes, rails: cfg.rails },
    accel: 'tcg',
    fabric: cfg.fabric.name,
    kernel: cfg.kernel.version,
    createdAt: new Date().toISOString(),
    controller: identify(process.pid, 'controller', ''),
    fabrics: [],
    nodes: nodeRecords(cfg),
  };
  for (const n of state.nodes) ensureDir(n.dir);
  writeState(state);
  const internal = new AbortController();
  const onAbort = (): void => internal.abort();
  cfg.signal?.addEventListener('abort', onAbort, { once: true });
  let driver: LocalDriver | undefined;
  try {
    const probeDir = path.join(dir, 'kvmprobe');
    ensureDir(probeDir);
    const accel = await resolveAccel(cfg.accel, {
      cacheFile: cfg.cache.accelProbe,
      spec: { ...baseSpec(cfg, sharedDir), name: 'kvmprobe', index: 250, rails: [], railNetdevs: [],
        consoleLog: path.join(probeDir, 'console.log'), qemuLog: path.join(probeDir, 'qemu.log') },
      marker,
      record: (p) => {
        state.probe = p;
        writeState(state);
      },
      log: cfg.log,
      signal: internal.signal,
    });
    fs.rmSync(probeDir, { recursive: true, force: true });
    state.accel = accel.accel;
    cfg.log(`accelerator: ${accel.detail}`);

    for (let rail = 0; rail < cfg.rails; rail++) {
      await cfg.fabric.start(rail, {
        stateDir: dir,
        marker,
        nodes: cfg.nodes,
        record: (r) => {
          state.fabrics = [...state.fabrics.filter((f) => f.rail !== r.rail), r];
          writeState(state);
        },
      });
    }
    cfg.log(`fabric: ${cfg.rails} ${cfg.fabric.name} rail(s) up`);

    const bootAt = Date.now();
    const started = [];
    for (const n of state.nodes) {
      const from = fileSize(n.consoleLog);
      // kept in state.json: a node restart (crash fault, repair) boots exactly this VM again
      n.spec = nodeSpec(cfg, n, state.fabrics, accel.accel, sharedDir);
      const s = startQemu(n.spec, marker);
      n.proc = s.proc;
      writeState(state);
      started.push({ node: n, from, ...s });
      await fabricNodeStarted(cfg.fabric, state.fabrics, n.index, s.startedAt);
    }
    cfg.log(`${cfg.nodes} node(s) booting (${accel.accel})`);

    driver = new LocalDriver(state, cfg.cache);
    const deadline = bootAt + bootTimeoutFor(cfg, accel.accel);
    const d = driver;
    const timings = await Promise.all(
      started.map(async (s) => {
        try {
          return await waitNode(d, s, deadline, cfg, internal.signal);
        } catch (e: unknown) {
          internal.abort(); // stop the other nodes' waits: we are tearing down
          throw e;
        }
      }),
    );
    state.phase = 'ready';
    state.readyAt = new Date().toISOString();
    state.bootSeconds = (Date.now() - bootAt) / 1000;
    writeState(state);
    writeInventory(state, cfg);
    return {
      state,
      driver,
      reused: false,
      accelDetail: accel.detail,
      nodes: state.nodes.map((n, i) => nodeInfo(n, timings[i]?.ports ?? {})),
      timings: { commandAt, bootAt, usableAt: Date.now(), nodes: timings },
    };
  } catch (e: unknown) {
    await driver?.close();
    state.phase = 'failed';
    writeState(state);
    let note: string;
    try {
      const report = await teardownLocked(dir, state);
      note = report.logsDir ? `consoles kept in ${report.logsDir}` : '';
    } catch (te: unknown) {
      // keep the boot error; say that cleaning up failed too
      note = `and cleaning up failed: ${(te as Error).message}`;
    }
    if (isChaosError(e) && note) e.message += ` (${note})`;
    throw e;
  } finally {
    cfg.signal?.removeEventListener('abort', onAbort);
  }
}

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

/** An inventory for the ssh driver, so `--driver ssh:STATE/inventory.yaml` reaches the same VMs. */
function writeInventory(state: ClusterState, cfg: UpConfig): void {
  const hostKey = fs.readFileSync(cfg.cache.hostPub, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const doc = {
    connectTimeout: 30,
    hosts: state.nodes.map((n) => ({
      name: n.name,
      address: '127.0.0.1',
      port: n.sshPort,
      user: 'root',
      key: cfg.cache.clientKey,
      hostKey,
      rails: n.rails.map((r) => ({ netdev: r.netdev, address: r.address, rdmaDevice: r.rdmaDevice })),
    })),
  };
  fs.writeFileSync(path.join(state.stateDir, 'inventory.yaml'), `# written by rdma-chaos cluster up\n${stringify(doc)}`);
}
