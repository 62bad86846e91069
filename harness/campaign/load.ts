// Reads a campaign file. Every error names the file, the line and the field, and happens
// before anything starts: syntax, schema, then the cross-field rules (nodes that exist, a
// policy that needs a backup rail, fault params per kind).
import * as fs from 'node:fs';
import type { Document, LineCounter } from 'yaml';
import { policyFor } from '../../agents';
import { faultPackage } from '../../faults';
import { WORKLOAD_NAMES, WorkloadCommon, reachOf, workloadPackage } from '../../workloads';
import { InputError, durationMs, inputAt } from '../core';
import { Campaign, type WorkloadEntry } from './schema';
import { fieldError as srcFieldError, issueError as srcIssueError, readYaml, type Issue } from './yaml';

/** the loader's errors, at a path of the campaign document */
const CODE = 'campaign.invalid';
function issueError(file: string, doc: Document, lc: LineCounter, issue: Issue, prefix: (string | number)[]): InputError {
  return srcIssueError({ file, doc, lc, value: undefined }, CODE, issue, prefix);
}
function fieldError(file: string, doc: Document, lc: LineCounter, path: (string | number)[], what: string, at: (string | number)[] = path): InputError {
  return srcFieldError({ file, doc, lc, value: undefined }, CODE, path, what, at);
}

export interface LoadedCampaign {
  campaign: Campaign;
  file: string;
  /** the source text, stored with the run */
  text: string;
}

export interface LoadOptions {
  /** a campaign a run stored: fields its workloads no longer take are dropped, not refused */
  stored?: boolean;
}

export function loadCampaign(file: string, o: LoadOptions = {}): LoadedCampaign {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e: unknown) {
    throw new InputError('campaign.unreadable', `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return { campaign: parseCampaign(file, text, o), file, text };
}

export function parseCampaign(file: string, text: string, o: LoadOptions = {}): Campaign {
  const src = readYaml(file, text, 'campaign.badYaml');
  const { doc, lc } = src;
  const raw = src.value;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw inputAt('campaign.notAMapping', file, 1, 'a campaign is a mapping with name, duration, workloads, ...');
  // one seed per run: a second one for the random schedule would silently win over --seed
  if ((raw as { faults?: { random?: { seed?: unknown } } }).faults?.random?.seed !== undefined) {
    throw fieldError(file, doc, lc, ['faults', 'random', 'seed'], 'a random schedule takes its stream from the campaign\'s seed: set "seed:" at the top level (or run with --seed)');
  }
  const r = Campaign.safeParse(raw);
  if (!r.success) throw issueError(file, doc, lc, r.error.issues[0]!, []);
  const c = r.data;
  c.workloads = c.workloads.map((w, i) => workloadParams(file, doc, lc, w, i, o.stored === true));
  validateSemantics(file, doc, lc, c);
  c.checks ??= [...new Set(c.workloads.flatMap((w) => workloadPackage(w.workload).checks))];
  return c;
}

/** a workload entry's own fields, checked by its package (its schema fills their defaults) */
function workloadParams(file: string, doc: Document, lc: LineCounter, w: WorkloadEntry, i: number, stored: boolean): WorkloadEntry {
  const common = new Set(Object.keys(WorkloadCommon.shape));
  const own = Object.fromEntries(Object.entries(w).filter(([k]) => !common.has(k)));
  const params = workloadPackage(w.workload).params;
  let p = params.safeParse(own);
  // runs stored before a package owned its fields carry every workload's defaults
  const unknown = p.success ? [] : p.error.issues.flatMap((x) => (x.code === 'unrecognized_keys' ? x.keys : []));
  if (stored && unknown.length) p = params.safeParse(Object.fromEntries(Object.entries(own).filter(([k]) => !unknown.includes(k))));
  if (!p.success) throw issueError(file, doc, lc, p.error.issues[0]!, ['workloads', i]);
  return { ...Object.fromEntries(Object.entries(w).filter(([k]) => common.has(k))), ...p.data } as WorkloadEntry;
}

const MIN_INTERVAL_MS = 100;
const MAX_RANDOM_SLOTS = 100_000;

function validateSemantics(file: string, doc: Document, lc: LineCounter, c: Campaign): void {
  const err = (path: (string | number)[], what: string): never => {
    throw fieldError(file, doc, lc, path, what);
  };
  const nodes = new Set(Array.from({ length: c.cluster.nodes }, (_, i) => `node${i + 1}`));
  const known = (n: string, path: (string | number)[]): void => {
    if (!nodes.has(n)) err(path, `node "${n}" does not exist: the cluster has ${[...nodes].join(', ')}`);
  };
  const policy = policyFor(c.policy);
  if (c.cluster.rails < policy.needsRails) err(['policy'], `policy "${c.policy}" moves traffic to a backup rail, but the cluster has ${c.cluster.rails} rail`);
  // an agent drives one workload at a time toward a peer (agents/agent/slice.ts)
  const pairs = new Map<string, number>();
  c.workloads.forEach((w, i) => {
    if (w.target) known(w.target, ['workloads', i, 'target']);
    w.clients?.forEach((n, j) => known(n, ['workloads', i, 'clients', j]));
    const target = w.target ?? 'node1';
    const clients = w.clients ?? [...nodes].filter((n) => n !== target);
    if (clients.length === 0) err(['workloads', i, 'clients'], `no client node: the cluster has only ${target}`);
    const pkg = workloadPackage(w.workload);
    const bad = pkg.misplaced?.(w, { nodes: nodes.size, target, clients });
    if (bad) err(['workloads', i, bad.field], bad.message);
    for (const [n, peer] of reachOf(w.workload, w, { nodes: nodes.size, target, clients }).links) {
      const first = pairs.get(`${n}>${peer}`);
      if (first !== undefined) {
        err(['workloads', i, 'clients'], `${n} already runs workloads[${first}] (${c.workloads[first]!.workload}) toward ${peer}: a client node runs one workload per target; give this one other clients or another target`);
      }
      pairs.set(`${n}>${peer}`, i);
    }
  });
  c.faults.timeline.forEach((f, i) => {
    known(f.target, ['faults', 'timeline', i, 'target']);
    const pkg = faultPackage(f.kind);
    const p = pkg.params.safeParse(f.params);
    if (!p.success) throw issueError(file, doc, lc, p.error.issues[0]!, ['faults', 'timeline', i, 'params']);
    if (pkg.needsRails && c.cluster.rails < pkg.needsRails) err(['faults', 'timeline', i, 'kind'], `${f.kind} needs ${pkg.needsRails} rails, the cluster has ${c.cluster.rails}`);
    for (const name of pkg.nodeParams ?? []) {
      const v = (f.params as Record<string, unknown>)[name];
      if (Array.isArray(v)) v.forEach((n, j) => typeof n === 'string' && known(n, ['faults', 'timeline', i, 'params', name, j]));
    }
  });
  if (c.faults.random) {
    // the planner steps through the run one interval at a time: 0 would never end, and a tiny
    // one over a long run is millions of steps for faults no node could apply that fast
    const every = durationMs(c.faults.random.interval);
    if (every < MIN_INTERVAL_MS) err(['faults', 'random', 'interval'], `at least ${MIN_INTERVAL_MS}ms between random faults`);
    if (durationMs(c.duration) / every > MAX_RANDOM_SLOTS) err(['faults', 'random', 'interval'], `${MAX_RANDOM_SLOTS} random fault slots at most: a longer interval, or a shorter run`);
  }
  // a campaign file is stored with every run and shown in its report: no credentials in it
  if (c.influx !== undefined && /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(c.influx)) {
    err(['influx'], 'credentials in the URL: give them in RDMA_CHAOS_INFLUX_USER and RDMA_CHAOS_INFLUX_PASSWORD (or ..._FILE, a 0600 file)');
  }
  c.faults.random?.targets?.forEach((n, j) => known(n, ['faults', 'random', 'targets', j]));
  c.faults.random?.kinds.forEach((k, j) => {
    const need = faultPackage(k).needsRails ?? 1;
    if (c.cluster.rails < need) err(['faults', 'random', 'kinds', j], `${k} needs ${need} rails, the cluster has ${c.cluster.rails}`);
  });
  c.checks?.forEach((check, j) => {
    if (c.workloads.some((w) => workloadPackage(w.workload).checks.includes(check))) return;
    const offering = WORKLOAD_NAMES.filter((n) => workloadPackage(n).checks.includes(check));
    err(['checks', j], `the ${check} check applies to none of the campaign's workloads (it needs one of: ${offering.join(', ')})`);
  });
}
