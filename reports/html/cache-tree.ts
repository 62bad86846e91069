// The cache tree as an SVG (issue 13's picture): one node per cache, by kind (E election,
// M method, R reconfiguration, C commit), committed ones filled (a commit commits everything
// above it), each reconfiguration with the configuration it installs, and a fork's two branches
// in red with their leaders. Linear runs of methods and commits collapse into one node (a
// rounded box with their count), so a log of thousands of commands stays a picture. Every value is escaped: they come from histories.
import type { Cache, CacheTreeViolation } from '../../harness/core';
import { xmlAttr, xmlEsc } from '../escape';

export interface CacheTreeSvgOptions {
  /** linear runs of at least this many methods and commits become one node (default 4) */
  collapse?: number;
}

interface Node {
  /** the caches it stands for: one, or a collapsed run of methods */
  ids: string[];
  kind: Cache['kind'];
  children: Node[];
  x: number;
  depth: number;
}

// room beside each node for its configuration or its leader
const DX = 160;
const DY = 58;
const R = 15;

export function cacheTreeSvg(caches: readonly Cache[], violations: readonly CacheTreeViolation[], o: CacheTreeSvgOptions = {}): string {
  const min = Math.max(2, o.collapse ?? 4);
  const byId = new Map(caches.map((c) => [c.id, c]));
  const kids = new Map<string, Cache[]>();
  for (const c of caches) if (c.parent !== undefined && byId.has(c.parent)) (kids.get(c.parent) ?? kids.set(c.parent, []).get(c.parent)!).push(c);
  const root = caches.find((c) => c.parent === undefined);
  if (!root) return '<p class="cache-tree-empty">no cache tree (no root cache)</p>';

  // committed: every commit and all above it
  const committed = new Set<string>();
  for (const c of caches) if (c.kind === 'C') for (let at: Cache | undefined = c; at && !committed.has(at.id); at = at.parent !== undefined ? byId.get(at.parent) : undefined) committed.add(at.id);
  const fork = violations.find((v) => v.rule === 'fork' && v.branches?.length === 2);
  const onFork = new Set(fork?.branches?.flatMap((b) => b.path) ?? []);
  const leaderAt = new Map(fork?.branches?.map((b) => [b.commit, b]) ?? []);
  const flagged = new Map<string, string[]>();
  for (const v of violations) for (const id of v.caches) flagged.set(id, [...(flagged.get(id) ?? []), `${v.rule}: ${v.message}`]);

  // the tree of nodes, collapsing linear runs of methods and their commits (one child each,
  // nothing flagged, not a fork's first commit): a log of commands is a long M, C, M, C chain
  const plain = (c: Cache): boolean => (c.kind === 'M' || c.kind === 'C') && (kids.get(c.id)?.length ?? 0) === 1 && !flagged.has(c.id) && !leaderAt.has(c.id);
  let nodes = 0;
  const build = (c: Cache, depth: number): Node => {
    nodes++;
    const ids = [c.id];
    let last = c;
    if (plain(c)) {
      const run = [c];
      for (let k = kids.get(c.id)![0]!; plain(k); k = kids.get(k.id)![0]!) run.push(k);
      if (run.length >= min) {
        ids.splice(0, 1, ...run.map((x) => x.id));
        last = run[run.length - 1]!;
      }
    }
    const children = (kids.get(last.id) ?? []).map((k) => build(k, depth + 1));
    return { ids, kind: ids.length > 1 ? 'M' : c.kind, children, x: 0, depth };
  };
  const top = build(root, 0);

  // leaves left to right, a parent over the middle of its children
  let leaf = 0;
  let deepest = 0;
  const place = (n: Node): void => {
    deepest = Math.max(deepest, n.depth);
    if (!n.children.length) n.x = leaf++;
    else {
      n.children.forEach(place);
      n.x = (n.children[0]!.x + n.children[n.children.length - 1]!.x) / 2;
    }
  };
  place(top);
  const px = (n: Node): number => 40 + n.x * DX;
  const py = (n: Node): number => 30 + n.depth * DY;
  const width = 80 + Math.max(0, leaf - 1) * DX + 120;
  const height = 60 + deepest * DY + 30;

  const edges: string[] = [];
  const marks: string[] = [];
  const draw = (n: Node): void => {
    const first = byId.get(n.ids[0]!)!;
    const lastId = n.ids[n.ids.length - 1]!;
    for (const k of n.children) {
      const red = onFork.has(k.ids[0]!);
      edges.push(`<line class="edge${red ? ' fork' : ''}" x1="${px(n)}" y1="${py(n) + R}" x2="${px(k)}" y2="${py(k) - R}"/>`);
    }
    const many = n.ids.length > 1;
    const isFork = n.ids.some((id) => onFork.has(id));
    const cls = ['cache', `kind-${n.kind}`, committed.has(lastId) ? 'committed' : '', isFork ? 'fork' : '', n.ids.some((id) => flagged.has(id)) ? 'flagged' : ''].filter(Boolean).join(' ');
    const title = many
      ? `${n.ids.length} methods and commits in a line, ${n.ids[0]} to ${lastId}`
      : [`${first.kind} ${first.id} at time ${first.time} by ${first.leader}`, first.supporters ? `supporters {${first.supporters.join(', ')}}` : '', first.config ? `installs {${first.config.join(', ')}}` : '', first.method ?? '', ...(flagged.get(first.id) ?? [])].filter(Boolean).join('\n');
    const shape = many ? `<rect x="${px(n) - 26}" y="${py(n) - R}" width="52" height="${2 * R}" rx="6"/>` : n.kind === 'C' ? `<rect x="${px(n) - R}" y="${py(n) - R}" width="${2 * R}" height="${2 * R}" rx="3"/>` : `<circle cx="${px(n)}" cy="${py(n)}" r="${R}"/>`;
    const label = many ? `${n.ids.length}` : n.kind;
    const side: string[] = [];
    if (!many && first.kind === 'R' && first.config) side.push(`{${first.config.join(',')}}`);
    const lead = leaderAt.get(first.id);
    if (!many && lead) side.push(`leader ${lead.leader}, t=${lead.time}`);
    marks.push(
      `<g class="${cls}" data-ids="${xmlAttr(n.ids.join(' '))}" data-kind="${n.kind}"${committed.has(lastId) ? ' data-committed="1"' : ''}${isFork ? ' data-fork="1"' : ''}><title>${xmlEsc(title)}</title>${shape}<text class="k" x="${px(n)}" y="${py(n) + 4}">${xmlEsc(label)}</text>${side.map((s, i) => `<text class="side${lead && i === side.length - 1 ? ' leader' : ''}" x="${px(n) + R + 4}" y="${py(n) + 4 + i * 13}">${xmlEsc(s)}</text>`).join('')}</g>`,
    );
    n.children.forEach(draw);
  };
  draw(top);
  const caption = fork ? `<p class="cache-tree-fork">${xmlEsc(fork.message)}</p>` : '';
  return `<figure class="cache-tree" data-caches="${caches.length}" data-nodes="${nodes}"><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="cache tree"><style>${CSS}</style>${edges.join('')}${marks.join('')}</svg>${caption}</figure>`;
}

const CSS = [
  '.edge{stroke:#888;stroke-width:1.5}',
  '.edge.fork{stroke:#d62728;stroke-width:3}',
  '.cache circle,.cache rect{fill:#fff;stroke:#555;stroke-width:1.5}',
  '.cache.committed circle,.cache.committed rect{fill:#cfe8d4}',
  '.cache.kind-R circle{stroke:#1f77b4;stroke-width:2.5}',
  '.cache.fork circle,.cache.fork rect{stroke:#d62728;stroke-width:3}',
  '.cache text.k{font:bold 11px sans-serif;text-anchor:middle}',
  '.cache text.side{font:10px sans-serif;fill:#333}',
  '.cache text.leader{fill:#d62728;font-weight:bold}',
].join('');
