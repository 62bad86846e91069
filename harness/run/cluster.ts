// Getting nodes for a run: the local cluster (reused when one with enough nodes and rails is
// up, else booted, and then taken down at the end), an ssh inventory or a docker host; and the
// controller-side fault powers over them.
import * as path from 'node:path';
import { faultPackage } from '../../faults';
import type { RunPlan } from '../campaign';
import { InputError, type ControllerOps, type DriverAbility, type NodeDriver } from '../core';
import { FaultJournal, healLeftovers } from './journal';

export interface RunCluster {
  driver: NodeDriver;
  kind: string;
  /** the run booted it, so the run takes it down (unless asked to keep it) */
  booted: boolean;
  /** where controller-side faults in effect are listed (none for docker: no controller faults survive its teardown) */
  journal?: FaultJournal;
  down(): Promise<void>;
}

/** the fault journal of the local cluster in `stateDir` (removed with it by `cluster down`) */
export function localJournal(stateDir: string): FaultJournal {
  return new FaultJournal(path.join(stateDir, 'faults-in-effect.json'));
}

/** recover what an interrupted run left in effect on this cluster, before anything else runs on it */
export async function healCluster(driver: NodeDriver, journal: FaultJournal | undefined, say: (l: string) => void): Promise<string[]> {
  if (!journal) return [];
  return healLeftovers(journal, { driver, ops: (pidOf) => controllerOps(driver, pidOf, undefined, { healing: true }), say });
}

export interface AcquireOptions {
  /** ssh: hosts with no pinned key are let in once and their key pinned (--trust-on-first-use) */
  trustOnFirstUse?: boolean;
  /** a signal mid-boot stops the boot (and its VMs) like `cluster up`'s */
  signal?: AbortSignal;
}

export async function acquireCluster(spec: string, nodes: number, rails: number, log: (l: string) => void, o: AcquireOptions = {}): Promise<RunCluster> {
  const signal = o.signal;
  if (spec === 'local') {
    const local = await import('../cluster/local');
    // a signal mid-boot stops the boot (and its VMs) like `cluster up`'s
    const r = await local.ensureCluster({ nodes, rails, log, ...(signal ? { signal } : {}) });
    return {
      driver: r.driver,
      kind: 'local',
      booted: !r.reused,
      journal: localJournal(r.state.stateDir),
      down: async () => {
        await r.driver.close();
        await local.clusterDown(r.state.stateDir);
      },
    };
  }
  const { openDriver, parseDriverSpec } = await import('../cluster');
  const parsed = parseDriverSpec(spec);
  const driver = await openDriver(parsed, { ...(o.trustOnFirstUse ? { trustOnFirstUse: true } : {}), log });
  // an inventory's journal sits beside it, like its pins
  const journal = parsed.kind === 'ssh' ? new FaultJournal(`${parsed.inventory}.faults-in-effect.json`) : undefined;
  return { driver, kind: parsed.kind, booted: false, ...(journal ? { journal } : {}), down: async () => undefined };
}

interface RestartableDriver {
  crashNode?(node: string): Promise<void>;
  restartNode?(node: string): Promise<void>;
  nodeAlive?(node: string): boolean;
  /** per node, where only some hosts have power control (ssh: the inventory's `power`) */
  canPower?(node: string): boolean;
}

const ABILITY: Record<DriverAbility, string> = { 'kill-node': 'crash nodes', 'restart-node': 'restart nodes', 'own-kernel': "panic a node's own kernel" };

export function driverCan(driver: NodeDriver, a: DriverAbility, node?: string): boolean {
  const d = driver as NodeDriver & RestartableDriver;
  const powered = node === undefined || d.canPower?.(node) !== false;
  if (a === 'kill-node') return typeof d.crashNode === 'function' && powered;
  if (a === 'restart-node') return typeof d.restartNode === 'function' && powered;
  return driver.kind !== 'docker';
}

/**
 * A campaign whose faults need what this driver cannot do is refused before anything starts
 * (no run directory): over ssh a crash fault would fail to apply, certify nothing, and leave a
 * fault the next run's heal cannot recover.
 */
export function checkFaultsFit(plan: RunPlan, driver: NodeDriver, where: string): void {
  for (const f of plan.faults) {
    const node = f.target;
    const missing = (faultPackage(f.kind).needs?.(f.params) ?? []).find((a) => !driverCan(driver, a, node));
    if (missing === undefined) continue;
    const method = typeof f.params.method === 'string' ? `, method ${f.params.method}` : '';
    const why = driver.kind === 'ssh' && missing !== 'own-kernel' ? ` (${node} has no power commands in the inventory)` : '';
    throw new InputError('run.faultUnsupported', `${where}: fault ${f.id} (${f.kind}${method}) on ${node} needs a driver that can ${ABILITY[missing]}; the ${driver.kind} driver cannot${why}`);
  }
}

/**
 * A real kernel panic on a node: `echo c > /proc/sysrq-trigger` (always allowed through /proc,
 * whatever kernel.sysrq says). The command never answers: the node is gone once its VM stopped
 * (local: panic=-1 with -no-reboot) or its session broke. Never in a container: that kernel is
 * the host's.
 */
async function panicNode(driver: NodeDriver, node: string): Promise<void> {
  if (driver.kind === 'docker') throw new InputError('fault.unsupported', `crash method panic on ${node}: docker nodes share the host's kernel`);
  const d = driver as NodeDriver & RestartableDriver;
  const ran = driver.exec(node, ['sh', '-c', 'sync; echo c > /proc/sysrq-trigger'], { timeoutMs: 20_000 }).then(
    (r) => (r.code === 0 ? `the command returned (exit 0) and ${node} still answers: no panic` : r.code === null ? undefined : `exit ${r.code}: ${r.stderr.trim()}`),
    () => undefined, // the session broke with the kernel: expected
  );
  let stopped = false;
  const gone = new Promise<undefined>((resolve) => {
    if (typeof d.nodeAlive !== 'function') return;
    const t = setInterval(() => {
      if (stopped || !d.nodeAlive!(node)) {
        clearInterval(t);
        resolve(undefined);
      }
    }, 100);
  });
  const failed = await Promise.race([ran, gone]);
  stopped = true;
  if (failed) throw new Error(`crash method panic on ${node}: ${failed}`);
}

/**
 * `pidOf`: the agent's pid on a node (pause). `onRestarted`: after a node restart (the crash
 * fault's recovery), e.g. a new agent on it. `healing`: recovering what a dead controller left,
 * where a node already back up, or an agent already gone, means there is nothing to recover.
 */
export function controllerOps(
  driver: NodeDriver,
  pidOf: (node: string) => number | undefined,
  onRestarted?: (node: string) => Promise<void>,
  o: { healing?: boolean } = {},
): ControllerOps {
  const d = driver as NodeDriver & RestartableDriver;
  return {
    pullCable: (node, rail) => driver.pullCable(node, rail),
    restoreCable: (node, rail) => driver.restoreCable(node, rail),
    crashNode: async (node) => {
      if (!d.crashNode || !driverCan(driver, 'kill-node', node)) throw new InputError('fault.unsupported', `the ${driver.kind} driver cannot crash ${node}`);
      await d.crashNode(node);
    },
    panicNode: (node) => panicNode(driver, node),
    restartNode: async (node) => {
      if (o.healing && d.nodeAlive?.(node) === true) return;
      // no liveness of its own (ssh): a node that answers has nothing to recover
      if (o.healing && !d.nodeAlive && (await driver.exec(node, ['true'], { timeoutMs: 15_000, idempotent: true }).then((r) => r.code === 0, () => false))) return;
      if (!d.restartNode || !driverCan(driver, 'restart-node', node)) throw new InputError('fault.unsupported', `the ${driver.kind} driver cannot restart ${node}`);
      await d.restartNode(node);
      await onRestarted?.(node);
    },
    signalAgent: async (node, signal) => {
      const pid = pidOf(node);
      if (pid === undefined) throw new Error(`no agent pid on ${node}`);
      const r = await driver.exec(node, ['kill', `-${signal.replace('SIG', '')}`, String(pid)]);
      // a stopped agent that is gone (its node restarted) needs no SIGCONT
      if (r.code !== 0 && o.healing && signal === 'SIGCONT' && /no such process/i.test(r.stderr)) return;
      if (r.code !== 0) throw new Error(`kill -${signal} ${pid} on ${node}: ${r.stderr.trim()}`);
    },
    read: (node, argv) => readOn(driver, node, argv),
    nodeState: async (node) => {
      if (typeof d.nodeAlive === 'function') return d.nodeAlive(node) ? 'up' : 'down (its VM is not running)';
      const probe = driver.exec(node, ['true'], { timeoutMs: 5000 }).then((r) => (r.code === 0 ? 'up' : `down (true: exit ${r.code ?? 'signal'})`), (e: unknown) => `down (${(e as Error).message})`);
      return Promise.race([probe, new Promise<string>((res) => setTimeout(() => res('down (no answer in 8 s)'), 8000).unref())]);
    },
    agentState: async (node) => {
      const pid = pidOf(node);
      return pid === undefined ? `!no agent pid on ${node}` : readOn(driver, node, ['ps', '-o', 'stat=', '-p', String(pid)]);
    },
  };
}

/** evidence from a node: stdout, or `!` and why not; a node that is gone is evidence too */
async function readOn(driver: NodeDriver, node: string, argv: string[]): Promise<string> {
  try {
    const r = await driver.exec(node, argv, { timeoutMs: 10_000, idempotent: true });
    return r.code === 0 ? r.stdout.trim().slice(0, 4096) : `!exit ${r.code ?? 'signal'}: ${r.stderr.trim().slice(0, 512)}`;
  } catch (e) {
    return `!${(e as Error).message}`;
  }
}
