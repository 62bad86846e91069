// Node and fabric restarts of a running local cluster: the crash fault (crash, then restart)
// and the health repairs (a wedged VM, a frozen rail). A restart boots the node exactly as
// `cluster up` did (the qemu spec kept in state.json) and waits the same way: READY on the
// console, SSH answering with the pinned key, every rxe port ACTIVE. state.json gets the new
// PIDs under the state lock, so `cluster down` and `status` always see the live processes.
import * as path from 'node:path';
import { InputError } from '../../core';
import { resolveUpConfig } from './config';
import { fileSize } from './console';
import type { LocalDriver } from './driver';
import { fabricBackend } from './fabric';
import { nodeSpec } from './nodes';
import { isAlive, killOwned } from './procs';
import { startQemu, type QemuNodeSpec } from './qemu';
import { fabricNodeStarted, waitNode } from './ready';
import { lockState, ownMarker, readState, writeState, type ClusterState, type NodeRecord } from './state';

export interface RestartOptions {
  /** per node, qemu start to usable; default 180 s (TCG on a loaded host) */
  timeoutMs?: number;
  log?: (line: string) => void;
}

const LOCK_WAIT_MS = 5 * 60_000;

/** Stop a node at once: SIGKILL its qemu, no guest shutdown, no sync. The node reads down. */
export async function crashNode(driver: LocalDriver, name: string): Promise<void> {
  const n = driver.node(name);
  await withState(driver, `crash ${name}`, async (s) => {
    const rec = nodeIn(s, name);
    const proc = rec.proc ?? n.proc;
    if (proc && isAlive(proc)) {
      try {
        process.kill(proc.pid, 'SIGKILL');
      } catch {
        /* it died in between */
      }
      const left = await killOwned([proc], 0);
      if (left.length) throw new InputError('cluster.crashFailed', `${name}: qemu still alive after SIGKILL: ${left.join(', ')}`);
    }
    rec.proc = undefined;
    n.proc = undefined;
  });
}

/** Boot nodes again (killing what is left of them first), in parallel, until usable. */
export async function restartNodes(driver: LocalDriver, names: readonly string[], o: RestartOptions = {}): Promise<void> {
  for (const name of names) driver.node(name); // unknown names fail before anything stops
  const log = o.log ?? (() => undefined);
  await withState(driver, `restart ${names.join(' ')}`, async (s) => {
    const backend = fabricBackend(s.fabric);
    if (backend.restartWith) {
      // a point-to-point fabric: the peer of a restarted listening end must restart too
      const idx = backend.restartWith(names.map((x) => nodeIn(s, x).index), s.nodes.map((x) => x.index));
      const asked = names.length;
      names = s.nodes.filter((x) => idx.includes(x.index)).map((x) => x.name);
      if (names.length > asked) log(`the ${s.fabric} fabric restarts ${names.join(' ')} together`);
    } else {
      names = [...names];
    }
    const specs = await specsFor(s, names);
    const started = [];
    // in index order: a point-to-point fabric's later nodes connect to an earlier one
    names = [...names].sort((a, b) => nodeIn(s, a).index - nodeIn(s, b).index);
    for (const name of names) {
      const rec = nodeIn(s, name);
      const live = driver.node(name);
      const old = rec.proc ?? live.proc;
      if (old) await killOwned([old], 1000);
      const from = fileSize(rec.consoleLog);
      const q = startQemu(specs.get(name)!, ownMarker(s.stateDir));
      if (!q.proc) throw new InputError('cluster.qemuFailed', `${name}: qemu did not start (see ${rec.qemuLog})`);
      rec.proc = q.proc;
      rec.spec = specs.get(name);
      live.proc = q.proc;
      live.spec = rec.spec;
      writeState(s);
      log(`${name}: qemu restarted (pid ${q.proc.pid})`);
      started.push({ node: live, from, exited: q.exited, startedAt: q.startedAt });
      await fabricNodeStarted(backend, s.fabrics, rec.index, q.startedAt);
    }
    const deadline = Date.now() + (o.timeoutMs ?? 180_000);
    const stop = new AbortController();
    await Promise.all(
      started.map((st) =>
        waitNode(driver, st, deadline, { log }, stop.signal).catch((e: unknown) => {
          stop.abort(); // one node failed: the others' waits end too
          throw e;
        }),
      ),
    );
  });
}

/**
 * Re-create a rail's fabric. A backend that keeps its nodes attached across a restart (a
 * bridge: the taps are re-enslaved) needs nothing more; otherwise (a vde_switch: qemu's plug
 * into the old switch is dead for good) every node is restarted too.
 */
export async function recreateFabric(driver: LocalDriver, rail: number, o: RestartOptions = {}): Promise<{ nodesRestarted: boolean }> {
  const log = o.log ?? (() => undefined);
  let nodesToo = false;
  await withState(driver, `recreate rail ${rail}`, async (s) => {
    const rec = s.fabrics.find((f) => f.rail === rail);
    if (!rec) throw new InputError('cluster.noRail', `${s.stateDir}: no fabric for rail ${rail} (rails: ${s.fabrics.map((f) => f.rail).join(', ')})`);
    const backend = fabricBackend(rec.backend);
    const ctx = {
      stateDir: s.stateDir,
      marker: ownMarker(s.stateDir),
      nodes: s.shape.nodes,
      record: (r: typeof rec) => {
        s.fabrics = [...s.fabrics.filter((f) => f.rail !== r.rail), r];
        writeState(s);
      },
    };
    if (backend.restart) {
      await backend.restart(rec, ctx);
    } else {
      nodesToo = true;
      // the nodes go first: a qemu left plugged into a dead switch would only stall
      await killOwned(s.nodes.flatMap((n) => (n.proc ? [n.proc] : [])), 1000);
      for (const n of s.nodes) n.proc = undefined;
      await killOwned(rec.procs, 500);
      await backend.stop?.(rec);
      await backend.start(rail, ctx);
    }
    driver.state.fabrics = s.fabrics;
    log(`rail ${rail}: ${rec.backend} fabric re-created`);
  });
  if (nodesToo) await restartNodes(driver, driver.state.nodes.map((n) => n.name), o);
  return { nodesRestarted: nodesToo };
}

/** Run `fn` on the state as it is on disk, under the state lock, and write it back. */
async function withState(driver: LocalDriver, what: string, fn: (s: ClusterState) => Promise<void>): Promise<void> {
  const dir = driver.state.stateDir;
  const unlock = await lockState(dir, what, LOCK_WAIT_MS);
  try {
    const s = readState(dir);
    if (!s || s.phase !== 'ready') throw new InputError('cluster.notRunning', `${dir}: no ready local cluster to ${what}`);
    await fn(s);
    writeState(s);
  } finally {
    unlock();
  }
}

function nodeIn(s: ClusterState, name: string): NodeRecord {
  const n = s.nodes.find((x) => x.name === name);
  if (!n) throw new InputError('cluster.unknownNode', `no node named "${name}" in ${s.stateDir}`);
  return n;
}

/**
 * The qemu spec of each node: the one recorded at boot, or, for a cluster booted before specs
 * were recorded, the same spec rebuilt from the cluster's options.
 */
async function specsFor(s: ClusterState, names: readonly string[]): Promise<Map<string, QemuNodeSpec>> {
  const out = new Map<string, QemuNodeSpec>();
  const missing = names.filter((name) => !nodeIn(s, name).spec);
  for (const name of names) {
    const spec = nodeIn(s, name).spec;
    if (spec) out.set(name, spec);
  }
  if (missing.length === 0) return out;
  const first = s.nodes[0]!;
  const cfg = await resolveUpConfig({
    nodes: s.shape.nodes,
    rails: s.shape.rails,
    stateDir: s.stateDir,
    sshPortBase: first.sshPort - first.index,
    fabric: s.fabric,
    accel: s.accel,
  });
  const shared = path.join(s.stateDir, 'shared');
  for (const name of missing) out.set(name, nodeSpec(cfg, nodeIn(s, name), s.fabrics, s.accel, shared));
  return out;
}
