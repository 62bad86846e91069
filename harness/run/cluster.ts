// Getting nodes for a run: the local cluster (reused when one with enough nodes and rails is
// up, else booted, and then taken down at the end), an ssh inventory or a docker host; and the
// controller-side fault powers over them.
import type { AgentClient } from '../../agents';
import { InputError, type ControllerOps, type NodeDriver } from '../core';

export interface RunCluster {
  driver: NodeDriver;
  kind: string;
  /** the run booted it, so the run takes it down (unless asked to keep it) */
  booted: boolean;
  down(): Promise<void>;
}

export interface AcquireOptions {
  /** ssh: hosts with no pinned key are let in once and their key pinned (--trust-on-first-use) */
  trustOnFirstUse?: boolean;
}

export async function acquireCluster(spec: string, nodes: number, rails: number, log: (l: string) => void, o: AcquireOptions = {}): Promise<RunCluster> {
  if (spec === 'local') {
    const local = await import('../cluster/local');
    const r = await local.ensureCluster({ nodes, rails, log });
    return {
      driver: r.driver,
      kind: 'local',
      booted: !r.reused,
      down: async () => {
        await r.driver.close();
        await local.clusterDown(r.state.stateDir);
      },
    };
  }
  const { openDriver } = await import('../cluster');
  const driver = await openDriver(spec, { ...(o.trustOnFirstUse ? { trustOnFirstUse: true } : {}), log });
  return { driver, kind: spec.split(':')[0]!, booted: false, down: async () => undefined };
}

interface RestartableDriver {
  crashNode?(node: string): Promise<void>;
  restartNode?(node: string): Promise<void>;
  nodeAlive?(node: string): boolean;
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

/** `onRestarted`: after a node restart (the crash fault's recovery), e.g. a new agent on it */
export function controllerOps(driver: NodeDriver, agents: ReadonlyMap<string, AgentClient>, onRestarted?: (node: string) => Promise<void>): ControllerOps {
  const d = driver as NodeDriver & RestartableDriver;
  return {
    pullCable: (node, rail) => driver.pullCable(node, rail),
    restoreCable: (node, rail) => driver.restoreCable(node, rail),
    crashNode: async (node) => {
      if (!d.crashNode) throw new InputError('fault.unsupported', `the ${driver.kind} driver cannot crash nodes`);
      await d.crashNode(node);
    },
    panicNode: (node) => panicNode(driver, node),
    restartNode: async (node) => {
      if (!d.restartNode) throw new InputError('fault.unsupported', `the ${driver.kind} driver cannot restart nodes`);
      await d.restartNode(node);
      await onRestarted?.(node);
    },
    signalAgent: async (node, signal) => {
      const pid = agents.get(node)?.pid;
      if (pid === undefined) throw new Error(`no agent pid on ${node}`);
      const r = await driver.exec(node, ['kill', `-${signal.replace('SIG', '')}`, String(pid)]);
      if (r.code !== 0) throw new Error(`kill -${signal} ${pid} on ${node}: ${r.stderr.trim()}`);
    },
  };
}
