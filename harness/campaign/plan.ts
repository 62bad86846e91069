// Planning is pure data (changesets' assemble-release-plan): from a campaign and a seed, the
// fault windows and the client processes of the run. `--dry-run` prints it; `--replay` rebuilds
// it from the stored campaign and seed, so the same schedule comes back.
import { faultPackage } from '../../faults';
import { reachOf, workloadPackage } from '../../workloads';
import { deriveSeed, durationMs as toMs, mulberry32 } from '../core';
import type { Campaign, WorkloadEntry } from './schema';

export interface PlannedFault {
  id: string;
  kind: string;
  target: string;
  startMs: number;
  /** Infinity: healed only when the run ends */
  stopMs: number;
  params: Record<string, unknown>;
  /** for the fault's own random choices (loss patterns) */
  seed: number;
}

export interface PlannedProcess {
  workload: number;
  name: string;
  node: string;
  target: string;
  /** index among the workload's processes, and their count */
  index: number;
  count: number;
  seed: number;
}

export interface PlannedWorkload {
  index: number;
  spec: WorkloadEntry;
  target: string;
  clients: string[];
  /** the nodes every client reaches, each registering the regions (most workloads: the target) */
  peers: string[];
  /** the (from, to) QP pairs between them that the workload uses */
  links: [string, string][];
  processes: PlannedProcess[];
  /** memory the target (each peer) registers: region -> bytes */
  regions: Record<string, number>;
}

export interface RunPlan {
  /** the campaign as run: its `seed` is the plan's */
  campaign: Campaign & { seed: number };
  /** the one seed: every schedule, loss pattern and generator derives from it */
  seed: number;
  durationMs: number;
  nodes: string[];
  faults: PlannedFault[];
  workloads: PlannedWorkload[];
}

/** ops a process might issue, to size memory: the rate, or what TCG SoftRoCE sustains */
const UNPACED_OPS_PER_SEC = 25_000;

export function planRun(campaign: Campaign, seed: number): RunPlan {
  const c = { ...campaign, seed };
  const durationMs = toMs(c.duration);
  const nodes = Array.from({ length: c.cluster.nodes }, (_, i) => `node${i + 1}`);
  const faults: PlannedFault[] = c.faults.timeline.map((f, i) => {
    const startMs = toMs(f.at);
    const params = faultPackage(f.kind).params.parse(f.params) as Record<string, unknown>;
    return {
      id: f.id ?? `f${i + 1}-${f.kind}`,
      kind: f.kind,
      target: f.target,
      startMs,
      stopMs: f.duration === undefined ? Infinity : startMs + toMs(f.duration),
      params,
      seed: deriveSeed(seed, `fault:${i}`),
    };
  });
  if (c.faults.random) faults.push(...randomFaults(c, seed, durationMs, nodes, faults.length));
  faults.sort((a, b) => a.startMs - b.startMs);

  const workloads = c.workloads.map((spec, wi): PlannedWorkload => {
    const target = spec.target ?? 'node1';
    const clients = spec.clients ?? nodes.filter((n) => n !== target);
    const count = clients.length * spec.concurrency;
    const processes: PlannedProcess[] = [];
    clients.forEach((node, ci) => {
      for (let k = 0; k < spec.concurrency; k++) {
        const index = ci * spec.concurrency + k;
        processes.push({ workload: wi, name: `w${wi}.${spec.workload}.${node}.${k}`, node, target, index, count, seed: deriveSeed(seed, `workload:${wi}:${index}`) });
      }
    });
    const perProc = spec.rate > 0 ? spec.rate : UNPACED_OPS_PER_SEC;
    const pkg = workloadPackage(spec.workload);
    const regions = pkg.regions(spec, (perProc * count * durationMs) / 1000);
    const { peers, links } = reachOf(spec.workload, spec, { nodes: nodes.length, target, clients });
    return { index: wi, spec, target, clients, peers, links, processes, regions };
  });
  return { campaign: c, seed, durationMs, nodes, faults, workloads };
}

export function durationMsOf(v: Campaign['duration']): number {
  return toMs(v);
}

/**
 * A seeded schedule: starts at jittered intervals (0.5 to 1.5 times the mean), kinds taken in a
 * seeded shuffled round so every kind recurs, each fault on one target for a uniform duration.
 * Faults on the same target never overlap, so each one's effect stays readable. Faults that
 * take their node away go to client-only nodes: a crashed memory target would take the run's
 * state with it.
 */
function randomFaults(c: Campaign, seed: number, durationMs: number, nodes: string[], offset: number): PlannedFault[] {
  const r = c.faults.random!;
  const rng = mulberry32(deriveSeed(seed, 'random-faults'));
  const mean = durationMsOf(r.interval);
  const [dMin, dMax] = [durationMsOf(r.duration[0]), durationMsOf(r.duration[1])];
  const targets = r.targets ?? nodes;
  const memoryTargets = new Set(
    c.workloads.flatMap((w) => {
      const target = w.target ?? 'node1';
      return reachOf(w.workload, w, { nodes: nodes.length, target, clients: w.clients ?? nodes.filter((n) => n !== target) }).peers;
    }),
  );
  const busyUntil = new Map<string, number>();
  const out: PlannedFault[] = [];
  let t = Math.min(mean, 2000);
  let round: string[] = [];
  while (t + dMin < durationMs - 1000) {
    if (round.length === 0) round = shuffle(r.kinds.slice(), rng);
    const kind = round[round.length - 1]!;
    const pkg = faultPackage(kind);
    // a fault that takes its node away would take the workloads' memory with it
    const pool = pkg.takesNodeAway ? targets.filter((n) => !memoryTargets.has(n)) : targets;
    const len = Math.round(dMin + rng() * (dMax - dMin));
    const free = pool.filter((n) => (busyUntil.get(n) ?? 0) <= t);
    if (free.length > 0 && c.cluster.rails >= (pkg.needsRails ?? 1)) {
      const target = free[Math.floor(rng() * free.length)]!;
      const raw = { ...pkg.randomParams, ...(r.params[kind] ?? {}) };
      const params = pkg.params.parse(raw) as Record<string, unknown>;
      const stopMs = Math.min(t + len, durationMs - 500);
      out.push({ id: `r${offset + out.length + 1}-${kind}`, kind, target, startMs: Math.round(t), stopMs, params, seed: deriveSeed(seed, `random-fault:${out.length}`) });
      busyUntil.set(target, stopMs + 500);
      round.pop(); // a kind that found no free target waits for the next slot
    }
    t += mean * (0.5 + rng());
  }
  return out;
}

function shuffle<T>(a: T[], rng: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** The plan as JSON (`run --dry-run --json`): what a replay must reproduce exactly. */
export interface PlanJson {
  campaign: string;
  seed: number;
  durationMs: number;
  nodes: string[];
  policy: string;
  /** stopMs null: healed when the run ends */
  faults: { id: string; kind: string; target: string; startMs: number; stopMs: number | null; params: Record<string, unknown>; seed: number }[];
  workloads: { workload: string; target: string; clients: string[]; processes: { name: string; node: string; seed: number }[]; regions: Record<string, number> }[];
}

export function planJson(p: RunPlan): PlanJson {
  return {
    campaign: p.campaign.name,
    seed: p.seed,
    durationMs: p.durationMs,
    nodes: p.nodes,
    policy: p.campaign.policy,
    faults: p.faults.map((f) => ({ id: f.id, kind: f.kind, target: f.target, startMs: f.startMs, stopMs: Number.isFinite(f.stopMs) ? f.stopMs : null, params: f.params, seed: f.seed })),
    workloads: p.workloads.map((w) => ({ workload: w.spec.workload, target: w.target, clients: w.clients, processes: w.processes.map((q) => ({ name: q.name, node: q.node, seed: q.seed })), regions: w.regions })),
  };
}

export function describePlan(p: RunPlan): string {
  const s = (ms: number): string => (ms === Infinity ? 'end' : `${(ms / 1000).toFixed(1)}s`);
  const lines = [
    `campaign ${p.campaign.name}, seed ${p.seed}, ${s(p.durationMs)}, ${p.campaign.cluster.nodes} nodes x ${p.campaign.cluster.rails} rails (${p.campaign.cluster.driver}), policy ${p.campaign.policy}`,
    'workloads:',
    ...p.workloads.map((w) => `  ${w.spec.workload} on ${w.peers.join(', ')}: ${w.processes.length} process(es) on ${w.clients.join(', ')}, rate ${w.spec.rate || 'unpaced'}, depth ${w.spec.depth}, regions ${JSON.stringify(w.regions)}`),
    `faults (${p.faults.length}):`,
    ...p.faults.map((f) => `  ${s(f.startMs).padStart(7)} - ${s(f.stopMs).padEnd(7)} ${f.kind} on ${f.target} ${JSON.stringify(f.params)}`),
    `checks: ${(p.campaign.checks ?? []).join(', ')}`,
  ];
  if (p.campaign.expect) lines.push(`expect: ${JSON.stringify(p.campaign.expect)}`);
  return lines.join('\n');
}
