// `cluster up`: fabric per rail, one qemu per node (all booting in parallel), then per node:
// the READY line on its console, sshd answering over the forwarded port, every rxe port
// ACTIVE. Every process is recorded in state.json the moment it exists; any failure tears
// the whole cluster down before the error is thrown, so nothing is left running.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import type { NodeInfo } from '../../core';
import { InputError, isChaosError, repoRoot } from '../../core';
import { resolveAccel } from './accel';
import { bootTimeoutFor, checkPortsFree, ensureDir, resolveUpConfig, type UpConfig, type UpOptions } from './config';
import { fileSize } from './console';
import { teardownLocked } from './down';
import { LocalDriver } from './driver';
import { fabricAlive } from './fabric';
import { baseSpec, nodeRecords, nodeSpec } from './nodes';
import { identify, isAlive } from './procs';
import { startQemu } from './qemu';
import { fabricNodeStarted, nodeInfo, probePorts, waitNode, type NodeTiming } from './ready';
import { lockState, ownMarker, readState, writeState, type ClusterShape, type ClusterState } from './state';

export type { NodeTiming } from './ready';

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

/** An inventory for the ssh driver, so `--cluster ssh:STATE/inventory.yaml` reaches the same VMs. */
function writeInventory(state: ClusterState, cfg: UpConfig): void {
  const hostKey = fs.readFileSync(cfg.cache.hostPub, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const cli = [process.execPath, path.join(repoRoot(), 'bin', 'rdma-chaos.js'), 'cluster', 'power'];
  const at = ['--state-dir', state.stateDir];
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
      // the VMs' BMC: `cluster power`, so the crash fault works over ssh as on real hosts with IPMI
      power: { off: [...cli, 'off', n.name, ...at], on: [...cli, 'on', n.name, ...at], bootTimeout: 600 },
    })),
  };
  fs.writeFileSync(path.join(state.stateDir, 'inventory.yaml'), `# written by rdma-chaos cluster up\n${stringify(doc)}`);
}
