// Reads a campaign file. Every error names the file, the line and the field, and happens
// before anything starts: syntax, schema, then the cross-field rules (nodes that exist, a
// policy that needs a backup rail, fault params per kind).
import * as fs from 'node:fs';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { FAULT_KINDS, faultPackage, isFaultKind } from '../../faults';
import { workloadPackage } from '../../workloads';
import { InputError, inputAt } from '../errors';
import { Campaign } from './schema';

export interface LoadedCampaign {
  campaign: Campaign;
  file: string;
  /** the source text, stored with the run */
  text: string;
}

export function loadCampaign(file: string): LoadedCampaign {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e: unknown) {
    throw new InputError('campaign.unreadable', `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return { campaign: parseCampaign(file, text), file, text };
}

export function parseCampaign(file: string, text: string): Campaign {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw inputAt('campaign.badYaml', file, e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line, e.message.split('\n')[0]!);
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw inputAt('campaign.notAMapping', file, 1, 'a campaign is a mapping with name, duration, workloads, ...');
  const r = Campaign.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    // an unknown key is best shown on its own line
    const at = issue.code === 'unrecognized_keys' && issue.keys?.[0] ? [...path, issue.keys[0]] : path;
    throw fieldError(file, doc, lc, path, describeIssue(issue), at);
  }
  validateSemantics(file, doc, lc, r.data);
  r.data.checks ??= [...new Set(r.data.workloads.flatMap((w) => workloadPackage(w.workload).checks))];
  return r.data;
}

function describeIssue(issue: { code: string; message: string; path: PropertyKey[]; keys?: string[]; values?: unknown[] }): string {
  if (issue.code === 'unrecognized_keys' && issue.keys) return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_value' && issue.values) return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return issue.message;
}

/** `file:line: field a.b[2].c: what`, the line found from the YAML node at that path */
function fieldError(file: string, doc: Document, lc: LineCounter, path: (string | number)[], what: string, at: (string | number)[] = path): InputError {
  const field = path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '');
  return inputAt('campaign.invalid', file, lineOf(doc, lc, at), field ? `${field}: ${what}` : what);
}

function lineOf(doc: Document, lc: LineCounter, path: (string | number)[]): number | undefined {
  // the deepest node that exists along the path (a missing field points at its parent)
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

function validateSemantics(file: string, doc: Document, lc: LineCounter, c: Campaign): void {
  const err = (path: (string | number)[], what: string): never => {
    throw fieldError(file, doc, lc, path, what);
  };
  const nodes = new Set(Array.from({ length: c.cluster.nodes }, (_, i) => `node${i + 1}`));
  const known = (n: string, path: (string | number)[]): void => {
    if (!nodes.has(n)) err(path, `node "${n}" does not exist: the cluster has ${[...nodes].join(', ')}`);
  };
  if (c.policy !== 'none' && c.cluster.rails < 2) err(['policy'], `policy "${c.policy}" moves traffic to a backup rail, but the cluster has ${c.cluster.rails} rail`);
  c.workloads.forEach((w, i) => {
    if (w.target) known(w.target, ['workloads', i, 'target']);
    w.clients?.forEach((n, j) => known(n, ['workloads', i, 'clients', j]));
    const target = w.target ?? 'node1';
    const clients = w.clients ?? [...nodes].filter((n) => n !== target);
    if (clients.length === 0) err(['workloads', i, 'clients'], `no client node: the cluster has only ${target}`);
    if (w.workload === 'register' && w.variant === 'flag-protected' && clients.length < 2 && nodes.size < 3) {
      err(['workloads', i, 'variant'], 'flag-protected needs a writer and a reader client: at least 3 nodes or 2 clients');
    }
  });
  c.faults.timeline.forEach((f, i) => {
    known(f.target, ['faults', 'timeline', i, 'target']);
    if (!isFaultKind(f.kind)) err(['faults', 'timeline', i, 'kind'], `unknown fault kind "${f.kind}" (one of ${FAULT_KINDS.join(', ')})`);
    let pkg;
    try {
      pkg = faultPackage(f.kind, f.params);
    } catch (e: unknown) {
      err(['faults', 'timeline', i, 'params'], firstZod(e));
    }
    const p = pkg!.params.safeParse(f.params);
    if (!p.success) {
      const issue = p.error.issues[0]!;
      err(['faults', 'timeline', i, 'params', ...issue.path.map((x) => (typeof x === 'symbol' ? String(x) : x))], describeIssue(issue));
    }
    if (pkg!.needsRails && c.cluster.rails < pkg!.needsRails) err(['faults', 'timeline', i, 'kind'], `${f.kind} needs ${pkg!.needsRails} rails, the cluster has ${c.cluster.rails}`);
    const from = (f.params as { from?: unknown }).from;
    if ((f.kind === 'partition' || f.kind === 'packet-loss') && Array.isArray(from)) from.forEach((n, j) => typeof n === 'string' && known(n, ['faults', 'timeline', i, 'params', 'from', j]));
  });
  c.faults.random?.targets?.forEach((n, j) => known(n, ['faults', 'random', 'targets', j]));
  if (c.faults.random?.kinds.includes('nic-failover') && c.cluster.rails < 2) err(['faults', 'random', 'kinds'], 'nic-failover needs 2 rails, the cluster has 1');
  if (c.checks?.includes('stream') && !c.workloads.some((w) => w.workload === 'send-stream')) err(['checks'], 'the stream check needs a send-stream workload');
}

function firstZod(e: unknown): string {
  const issues = (e as { issues?: { message: string }[] }).issues;
  return issues?.[0]?.message ?? String(e);
}
