// A reconfigurable log's cache tree (Adore's) on the run page: for each check that rebuilt one,
// its initial configuration, how many caches of each kind the history made, the checker's
// cache-tree violations, and the tree drawn. The caches are not in results.json: they are the
// history's cache events, so a run whose history lost them says so instead of drawing. Every
// value goes through esc (the SVG escapes its own).
import { cacheFromOp, type Cache, type CacheKind, type Operation, type RunResults } from '../../harness/core';
import { esc } from '../escape';
import { cacheTreeSvg } from './cache-tree';

type Check = RunResults['checks'][number];
type CacheTreeCheck = Check & { cacheTree: NonNullable<Check['cacheTree']> };

const KINDS: readonly { kind: CacheKind; name: string }[] = [
  { kind: 'E', name: 'election' },
  { kind: 'M', name: 'method' },
  { kind: 'R', name: 'reconfiguration' },
  { kind: 'C', name: 'commit' },
];

const LEGEND = `<p class="ct-legend">${KINDS.map((k) => `<b>${k.kind}</b> ${k.name}`).join(' · ')}; a box with a number: that many methods and commits in a line; filled = committed; <span class="ct-red">red</span> = a fork</p>`;

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

function countsLine(caches: readonly Cache[]): string {
  const by = KINDS.map((k) => `${caches.filter((c) => c.kind === k.kind).length.toLocaleString('en')} ${k.kind}`);
  return `<p class="ct-counts">${esc(plural(caches.length, 'cache'))}: ${esc(by.join(', '))}</p>`;
}

function violationsList(c: CacheTreeCheck): string {
  const vs = c.cacheTree.violations;
  if (!vs.length) return '<p class="none">The cache tree breaks no rule.</p>';
  const items = vs.map((v) => `<li data-rule="${esc(v.rule)}"><span class="ct-rule">${esc(v.rule)}</span>: ${esc(v.message)}</li>`).join('');
  return `<p>${esc(plural(vs.length, 'cache-tree violation'))}:</p><ul class="ct-violations">${items}</ul>`;
}

function section(c: CacheTreeCheck, n: number, caches: readonly Cache[]): string {
  const initial = `<p class="ct-initial">initial configuration {${esc(c.cacheTree.initial.join(', '))}}</p>`;
  // without the history's cache events there is nothing to draw, only the checker's word
  const body = caches.length
    ? `${countsLine(caches)}${violationsList(c)}<div class="scroll">${cacheTreeSvg(caches, c.cacheTree.violations)}</div>`
    : `${violationsList(c)}<p class="ct-no-caches none">The history has no cache event, so the tree cannot be drawn.</p>`;
  return `<section class="cache-tree" id="cache-tree-${n}"><h2>Cache tree — ${esc(c.checker)}</h2>${LEGEND}${initial}${body}</section>`;
}

/** '' unless a check rebuilt a cache tree; else one section per such check */
export function cacheTreeSectionHtml(r: RunResults, ops: readonly Operation[]): string {
  const checks = r.checks.filter((c): c is CacheTreeCheck => c.cacheTree !== undefined);
  if (!checks.length) return '';
  const caches = ops.flatMap((op) => cacheFromOp(op) ?? []);
  return checks.map((c, n) => section(c, n, caches)).join('\n');
}
