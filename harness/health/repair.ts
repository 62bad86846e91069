// Repairing the testbed after a run, so the next campaign on the same cluster runs normally:
// a frozen rail gets its fabric re-created, a wedged or panicked node is restarted, and the
// result is checked with a round of pings on every rail (escalating to restarting every node
// once). Only drivers that can restart things (the local one) repair; others report it.
import type { NodeDriver } from '../core';
import { ringPaths, type ProbeTarget } from './watchdog';

export interface RestartingDriver extends NodeDriver {
  restartNodes(nodes: readonly string[], o?: { log?: (l: string) => void }): Promise<void>;
  recreateFabric(rail: number, o?: { log?: (l: string) => void }): Promise<{ nodesRestarted: boolean }>;
  nodeAlive?(node: string): boolean;
}

export function canRestart(d: NodeDriver): d is RestartingDriver {
  const r = d as Partial<RestartingDriver>;
  return typeof r.restartNodes === 'function' && typeof r.recreateFabric === 'function';
}

export interface RepairPlan {
  rails: number[];
  nodes: string[];
}

/** What a node looked like at the end of the run. */
export interface NodeEnd {
  node: string;
  /** its kernel reported serious trouble (panic, oops, BUG, lockup, stall, hung task) */
  troubled: boolean;
  /** it booted again after that trouble (the crash fault restarted it): nothing left to fix */
  rebootedSince?: boolean;
  /** its VM is not running (local driver) */
  dead: boolean;
}

/**
 * What to repair after a run (pure): the rails the watchdog found frozen, the nodes it found
 * wedged or unreachable, and every node that is dead or whose kernel reported trouble it has
 * not rebooted from. Notes say why for the nodes the watchdog did not name.
 */
export function planRepair(trip: { rails: readonly number[]; nodes: readonly string[] } | undefined, ends: readonly NodeEnd[]): { plan: RepairPlan; notes: string[] } {
  const plan: RepairPlan = { rails: [...(trip?.rails ?? [])], nodes: [...(trip?.nodes ?? [])] };
  const notes: string[] = [];
  for (const e of ends) {
    if (plan.nodes.includes(e.node)) continue;
    if (e.dead) {
      plan.nodes.push(e.node);
      notes.push(`${e.node} ${e.troubled ? 'hit kernel trouble and ' : ''}was down at the end of the run: restarting it for the next campaign`);
    } else if (e.troubled && !e.rebootedSince) {
      plan.nodes.push(e.node);
      notes.push(`${e.node} hit kernel trouble: restarting it for the next campaign`);
    }
  }
  return { plan, notes };
}

export interface RepairResult {
  repaired: boolean;
  actions: string[];
}

/** A path that did not answer (with its rail), or a node that could not be asked. */
export interface FabricProblem {
  text: string;
  rail?: number;
}

/** Every ring path answers at least one of three pings. Returns what did not. */
export async function verifyFabric(driver: NodeDriver, targets: readonly ProbeTarget[]): Promise<FabricProblem[]> {
  const paths = ringPaths(targets);
  const bad: FabricProblem[] = [];
  await Promise.all(
    targets.map(async (t) => {
      const mine = paths.filter((p) => p.from === t.node);
      if (mine.length === 0) return;
      // all of a node's pings in one command: one process start in the guest
      const script = 'P=$(command -v ping || echo /.rc/bin/ping); r=0; while [ $# -ge 2 ]; do "$P" -c 3 -W 2 -I "$1" "$2" >/dev/null 2>&1 || { echo "fail $2"; r=1; }; shift 2; done; exit $r';
      try {
        const res = await driver.exec(t.node, ['sh', '-c', script, 'rc-verify', ...mine.flatMap((p) => [p.netdev, p.ip])], { timeoutMs: 60_000 });
        for (const p of mine) if (res.code !== 0 && res.stdout.includes(`fail ${p.ip}\n`)) bad.push({ text: `${p.from} -> ${p.to} on rail ${p.rail}`, rail: p.rail });
        if (res.code === null) bad.push({ text: `${t.node}: verification timed out` });
      } catch (e: unknown) {
        bad.push({ text: `${t.node}: ${(e as Error).message}` });
      }
    }),
  );
  return bad;
}

export async function repairCluster(driver: NodeDriver, plan: RepairPlan, targets: readonly ProbeTarget[], log: (l: string) => void): Promise<RepairResult> {
  const actions: string[] = [];
  if (!canRestart(driver)) {
    return { repaired: false, actions: [`the ${driver.kind} driver cannot restart nodes or fabrics: repair ${[...plan.rails.map((r) => `rail ${r}`), ...plan.nodes].join(', ')} by hand`] };
  }
  const o = { log: (l: string) => log(`repair: ${l}`) };
  let nodes = new Set(plan.nodes);
  try {
    for (const rail of plan.rails) {
      const r = await driver.recreateFabric(rail, o);
      actions.push(`re-created rail ${rail}${r.nodesRestarted ? ' and restarted every node on it' : ''}`);
      if (r.nodesRestarted) nodes = new Set();
    }
    if (nodes.size) {
      await driver.restartNodes([...nodes], o);
      actions.push(`restarted ${[...nodes].join(', ')}`);
    }
    let bad = await verifyFabric(driver, targets);
    if (bad.length) {
      // the first diagnosis was incomplete: re-create every rail still failing that was not
      // re-created yet (a frozen fabric first seen as one silent node), and restart every node
      const rails = [...new Set(bad.flatMap((b) => (b.rail !== undefined && !plan.rails.includes(b.rail) ? [b.rail] : [])))].sort((a, b) => a - b);
      log(`repair: still failing after the first repair (${bad.map((b) => b.text).join('; ')}): ${rails.length ? `re-creating rail ${rails.join(', ')} and ` : ''}restarting every node`);
      let restarted = false;
      for (const rail of rails) {
        const r = await driver.recreateFabric(rail, o);
        actions.push(`re-created rail ${rail}${r.nodesRestarted ? ' and restarted every node on it' : ''}`);
        restarted ||= r.nodesRestarted;
      }
      if (!restarted) {
        await driver.restartNodes(targets.map((t) => t.node), o);
        actions.push('restarted every node');
      }
      bad = await verifyFabric(driver, targets);
    }
    if (bad.length) {
      actions.push(`still failing: ${bad.map((b) => b.text).join('; ')}`);
      return { repaired: false, actions };
    }
    actions.push('every rail answers again');
    return { repaired: true, actions };
  } catch (e: unknown) {
    actions.push(`repair failed: ${(e as Error).message}`);
    return { repaired: false, actions };
  }
}
