// index.html over all runs of a store: per campaign, pass/fail over time, violation counts and
// the throughput trend as small inline SVGs; then every run, newest first, linked to its report.
import * as path from 'node:path';
import { esc } from '../escape';
import type { IndexedRun } from './cache';
import { NIGHTS_CSS, renderNights, type NightsView } from './nights-render';

export interface IndexPage {
  store: string;
  /** where index.html goes: links are relative to it */
  out: string;
  runs: IndexedRun[];
  generatedAt: string;
  /** the store's nights (`rdma-chaos nightly`): the page then opens with the morning view */
  nights?: NightsView;
}

export function href(from: string, target: string): string {
  return path.relative(path.dirname(from), target).split(path.sep).map(encodeURIComponent).join('/');
}

function state(r: IndexedRun): string {
  if (r.error) return 'broken';
  if (r.summary.infrastructureFault) return 'infra';
  return r.summary.verdict;
}

const COLORS: Record<string, string> = { valid: '#2e9e44', invalid: '#c62828', unknown: '#8a8f98', infra: '#e67700', broken: '#000' };

function link(p: IndexPage, r: IndexedRun): string {
  return href(p.out, path.join(r.dir, r.report ? 'report.html' : 'results.json'));
}

function title(r: IndexedRun): string {
  const s = r.summary;
  return `${s.startedAt} ${s.campaign}: ${state(r)}${s.incomplete ? ', INCOMPLETE' : ''}${s.nodesLost ? `, NODE-LOST ${s.nodesLost.join(' ')}` : ''}${s.violations ? `, ${s.violations} violation(s)` : ''}${s.clean ? '' : ', NOT CLEAN'}${r.error ? ` (${r.error})` : ''}`;
}

/** an interrupted run keeps its verdict; this says it covers only what was recorded */
function incomplete(s: IndexedRun['summary']): string {
  const lost = s.nodesLost ? ` <span class="badge node-lost" style="background:#e67700" title="${esc(s.nodesLost.join(', '))} not restarted">node-lost</span>` : '';
  return (s.incomplete ? ` <span class="badge incomplete" style="background:#e67700" title="${esc(s.incomplete)}">incomplete</span>` : '') + lost;
}

function strip(p: IndexPage, runs: IndexedRun[]): string {
  const last = runs.slice(-60);
  const cells = last.map((r, i) => `<a href="${esc(link(p, r))}"><rect x="${i * 12}" y="0" width="10" height="16" fill="${COLORS[state(r)]}"${r.summary.clean ? '' : ' stroke="#000" stroke-width="2"'}><title>${esc(title(r))}</title></rect></a>`);
  return `<svg class="strip" width="${last.length * 12}" height="16" viewBox="0 0 ${last.length * 12} 16">${cells.join('')}</svg>`;
}

function spark(vals: number[], color: string, bars: boolean): string {
  const v = vals.slice(-60);
  const max = Math.max(1, ...v);
  const w = Math.max(12, v.length * 6);
  if (bars) return `<svg class="spark" width="${w}" height="20">${v.map((x, i) => `<rect x="${i * 6}" y="${20 - (x / max) * 20}" width="5" height="${(x / max) * 20}" fill="${color}"/>`).join('')}</svg> <small>max ${max}</small>`;
  const pts = v.map((x, i) => `${(i * 6 + 3).toFixed(0)},${(19 - (x / max) * 18).toFixed(1)}`).join(' ');
  return `<svg class="spark" width="${w}" height="20"><polyline points="${pts}" fill="none" stroke="${color}" stroke-width="1.5"/></svg> <small>${v.length ? `${Math.round(v[v.length - 1]!)} ops/s (max ${Math.round(max)})` : ''}</small>`;
}

export function renderIndex(p: IndexPage): string {
  const byCampaign = new Map<string, IndexedRun[]>();
  for (const r of p.runs) {
    let l = byCampaign.get(r.summary.campaign);
    if (!l) byCampaign.set(r.summary.campaign, (l = []));
    l.push(r);
  }
  const time = (r: IndexedRun): string => r.summary.startedAt;
  for (const l of byCampaign.values()) l.sort((a, b) => time(a).localeCompare(time(b)));
  const campaigns = [...byCampaign.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  const rows = campaigns
    .map(([name, runs]) => {
      const latest = runs[runs.length - 1]!;
      const passed = runs.filter((r) => state(r) === 'valid').length;
      return `<tr><td class="name">${esc(name)}</td><td><span class="badge" style="background:${COLORS[state(latest)]}">${esc(state(latest))}</span></td><td>${passed}/${runs.length}</td><td>${strip(p, runs)}</td><td>${spark(runs.map((r) => r.summary.violations), '#c62828', true)}</td><td>${spark(runs.map((r) => r.summary.opsPerSec), '#1f77b4', false)}</td></tr>`;
    })
    .join('');
  const all = [...p.runs].sort((a, b) => time(b).localeCompare(time(a)));
  const list = all
    .map((r) => {
      const s = r.summary;
      return `<tr class="st-${esc(state(r))}"><td>${esc(s.startedAt)}</td><td>${esc(s.campaign)}</td><td><span class="badge" style="background:${COLORS[state(r)]}">${esc(state(r))}</span>${incomplete(s)}</td><td>${s.violations}</td><td>${esc(s.patterns.join(', '))}</td><td>${s.findings.length ? esc(s.findings.map((f) => `${f.kind}@${f.node}`).join(', ')) : ''}</td><td>${s.opsPerSec}</td><td>${s.clean ? 'yes' : '<b>NO</b>'}</td><td>${s.expectedMatched === undefined ? '' : s.expectedMatched ? 'matched' : '<b>not matched</b>'}</td><td><a href="${esc(link(p, r))}">${r.report ? 'report' : 'results.json'}</a>${r.error ? ` <span class="err">${esc(r.error)}</span>` : ''}</td></tr>`;
    })
    .join('');
  const nights = p.nights && (p.nights.changes.length || p.nights.errors.length) ? p.nights : undefined;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>rdma-chaos runs</title><style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330}header{background:#1d2330;color:#fff;padding:12px 20px}main{padding:0 20px 40px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #e3e6eb;padding:3px 8px;text-align:left;vertical-align:middle}th{background:#f5f6f8}
.badge{color:#fff;border-radius:3px;padding:0 6px;font-size:12px}.name{font-weight:600;max-width:320px;overflow-wrap:anywhere}.err{color:#c62828}small{color:#666}
${nights ? NIGHTS_CSS + '\n' : ''}</style></head><body>
<header><h1>rdma-chaos runs</h1><div>${esc(p.store)} · ${p.runs.length} runs · ${byCampaign.size} campaigns · generated ${esc(p.generatedAt)}</div></header>
<main>${nights ? `<div id="nights">${renderNights(nights)}</div>\n` : ''}<h2>Campaigns</h2><table><thead><tr><th>campaign</th><th>latest</th><th>passed</th><th>runs over time (oldest → newest)</th><th>violations</th><th>throughput</th></tr></thead><tbody>${rows}</tbody></table>
<h2>All runs</h2><table><thead><tr><th>started</th><th>campaign</th><th>verdict</th><th>violations</th><th>patterns</th><th>findings</th><th>ops/s</th><th>clean</th><th>expected</th><th>report</th></tr></thead><tbody>${list}</tbody></table></main>
</body></html>
`;
}
