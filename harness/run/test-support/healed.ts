// What a finished run must leave on the cluster: nothing. Per node: no nft rule, no netem,
// every data link up with carrier, every rxe port ACTIVE, no agent process; on the host the
// same qemu processes (or, after a crash fault, a restarted node that answers). Also what a
// finished run must leave in its directory: a history whose every client op completed once.
import * as fs from 'node:fs';
import type { NodeDriver } from '../../core';
import type { HistoryEvent } from '../../core';

export interface NodeState {
  nft: string;
  qdiscs: string;
  links: string;
  ports: string;
  agents: string;
}

const SCRIPT = [
  'nft list ruleset',
  'echo ---',
  'for d in /sys/class/net/data*; do tc qdisc show dev "${d##*/}"; done',
  'echo ---',
  'for d in /sys/class/net/data*; do ip -br link show dev "${d##*/}"; done',
  'echo ---',
  'rdma link show',
  'echo ---',
  // the agent runs as `node .../agent.js --lease-ms N`; pgrep must not find its own shell
  "pgrep -af -- '[-]-lease-ms' || true",
].join('; ');

export async function nodeState(driver: NodeDriver, node: string): Promise<NodeState> {
  const r = await driver.exec(node, ['sh', '-c', SCRIPT], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`${node}: reading its state failed: ${r.stderr}`);
  const [nft = '', qdiscs = '', links = '', ports = '', agents = ''] = r.stdout.split(/^---$/m).map((s) => s.trim());
  return { nft, qdiscs, links, ports, agents };
}

/** why the node is not healed; empty when it is */
export function unhealed(s: NodeState, baseline?: NodeState): string[] {
  const why: string[] = [];
  if (/\b(table|rule|drop)\b/.test(s.nft) && s.nft !== baseline?.nft) why.push(`nft rules left: ${s.nft.slice(0, 300)}`);
  if (/netem/.test(s.qdiscs)) why.push(`netem left: ${s.qdiscs}`);
  for (const l of s.links.split('\n').filter(Boolean)) if (!/^\S+\s+UP\s+\S+\s+<[^>]*LOWER_UP/.test(l)) why.push(`link not up: ${l}`);
  const ports = s.ports.split('\n').filter(Boolean);
  if (ports.length === 0) why.push('no rxe ports');
  for (const p of ports) if (!/state ACTIVE/.test(p)) why.push(`port not ACTIVE: ${p}`);
  if (s.agents) why.push(`agent still running: ${s.agents}`);
  return why;
}

/**
 * Waits (up to `ms`) for every node to read healed: a port whose cable came back at the end of
 * the run takes a moment to read ACTIVE. Returns what is still wrong, per node.
 */
export async function waitHealed(driver: NodeDriver, nodes: readonly string[], baseline: ReadonlyMap<string, NodeState>, ms = 30_000): Promise<Record<string, string[]>> {
  const end = Date.now() + ms;
  for (;;) {
    const states = await Promise.all(nodes.map(async (n) => [n, unhealed(await nodeState(driver, n), baseline.get(n))] as const));
    const bad = Object.fromEntries(states.filter(([, w]) => w.length > 0));
    if (Object.keys(bad).length === 0 || Date.now() > end) return bad;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

export interface HistoryIntegrity {
  events: number;
  clientOps: number;
  /** completions by type, client ops only (final snapshot reads excluded) */
  ok: number;
  fail: number;
  info: number;
  problems: string[];
}

/** every line parses; every invoke of a client process completes exactly once before its next invoke */
export function historyIntegrity(file: string): HistoryIntegrity {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const open = new Map<number, HistoryEvent>();
  const r: HistoryIntegrity = { events: 0, clientOps: 0, ok: 0, fail: 0, info: 0, problems: [] };
  lines.forEach((line, i) => {
    if (line === '') {
      if (i !== lines.length - 1) r.problems.push(`line ${i + 1}: empty`);
      return;
    }
    let e: HistoryEvent;
    try {
      e = JSON.parse(line) as HistoryEvent;
    } catch {
      r.problems.push(`line ${i + 1}: not JSON`);
      return;
    }
    r.events++;
    if (e.process === 'nemesis') return;
    if (e.type === 'invoke') {
      if (open.has(e.process)) r.problems.push(`line ${i + 1}: process ${e.process} invoked again before completing`);
      open.set(e.process, e);
      return;
    }
    const inv = open.get(e.process);
    if (!inv) {
      r.problems.push(`line ${i + 1}: completion of process ${e.process} without an invoke`);
      return;
    }
    open.delete(e.process);
    if (e.final) return;
    r.clientOps++;
    r[e.type]++;
  });
  for (const p of open.keys()) r.problems.push(`process ${p}: invoked, never completed`);
  return r;
}
