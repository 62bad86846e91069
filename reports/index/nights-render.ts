// The morning view at the top of index.html: per suite, what changed in its latest night
// (flips first, then flaky campaigns, new findings, infrastructure faults), then each campaign's
// last nights as a row of cells linking to every repetition's report. Every value is escaped.
import type { Night, NightOutcome, NightRun } from '../../harness/core';
import { esc } from '../escape';
import { campaignNights, quiet, type CampaignNight, type CellState, type NightChanges } from './changes';

export interface NightRunLink {
  href: string;
  /** the link is the run's report.html (else its directory) */
  report: boolean;
}

export interface NightsView {
  /** suite -> its nights, oldest first */
  suites: Map<string, Night[]>;
  changes: NightChanges[];
  errors: { file: string; error: string }[];
  /** nights shown per campaign row */
  last: number;
  link(r: NightRun): NightRunLink | undefined;
}

const OUTCOME_COLORS: Record<NightOutcome, string> = { met: '#2e9e44', 'not-met': '#c62828', unknown: '#8a8f98', infra: '#e67700', crashed: '#6a1b9a', 'timed-out': '#e67700', skipped: '#c5c9d0' };
const CELL_COLORS: Record<CellState, string> = { all: '#2e9e44', some: '#e6a100', nomet: '#c62828', undecided: '#8a8f98' };
const CELL_TEXT: Record<CellState, string> = { all: 'all repetitions met', some: 'some met', nomet: 'none met', undecided: 'not decided' };

export const NIGHTS_CSS = `.night h3{margin:10px 0 4px}.changes li{margin:2px 0}.changes .what{font-weight:600}.quiet{color:#2e7d32}
.grid td.cell{padding:2px 3px;min-width:26px;text-align:center}.grid td.cell.absent{background:#fafafa}
.rep{display:inline-block;min-width:14px;margin:1px;padding:0 2px;border-radius:2px;color:#fff;font-size:11px;text-decoration:none;text-align:center}
.cell.undecided-reps{outline:2px dashed #8a8f98;outline-offset:-2px}.kind{font-size:12px;color:#555}`;

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

function runTitle(r: NightRun): string {
  const parts = [`${r.campaign} r${r.repetition}/${r.repetitions}: ${r.outcome ?? r.status}${r.verdict ? ` (${r.verdict})` : ''}`, fmtMs(r.durationMs), `seed ${r.seed}`];
  if (r.incomplete) parts.push('incomplete');
  if (r.message) parts.push(r.message);
  return parts.filter((p) => p !== '').join(' · ');
}

function repLink(v: NightsView, r: NightRun): string {
  const color = r.outcome ? OUTCOME_COLORS[r.outcome] : '#c5c9d0';
  const attrs = `class="rep o-${esc(r.outcome ?? r.status)}" style="background:${color}" title="${esc(runTitle(r))}"`;
  const l = v.link(r);
  if (!l) return `<span ${attrs}>${r.repetition}</span>`;
  return `<a ${attrs} href="${esc(l.href)}" data-report="${l.report ? 'report' : 'dir'}">${r.repetition}</a>`;
}

function links(v: NightsView, runs: readonly NightRun[]): string {
  return runs.map((r) => repLink(v, r)).join('');
}

function expectationText(c: CampaignNight): string {
  return `${c.state === 'all' ? 'met' : 'not met'} (${c.met}/${c.decided})`;
}

function changesHtml(v: NightsView, ch: NightChanges): string {
  const items: string[] = [];
  for (const f of ch.flips) {
    const what = [f.expectation ? `expectation ${expectationText(f.from)} → ${expectationText(f.to)}` : '', f.verdict ? `verdict ${f.from.verdict} → ${f.to.verdict}` : ''].filter((x) => x !== '').join(', ');
    items.push(`<li class="flip" data-change="flip" data-campaign="${esc(f.campaign)}"><span class="badge" style="background:#c62828">flip</span> <span class="what">${esc(f.campaign)}</span>: ${esc(what)} ${links(v, f.to.runs)}</li>`);
  }
  for (const c of ch.flaky) {
    items.push(`<li class="flaky" data-change="flaky" data-campaign="${esc(c.campaign)}"><span class="badge" style="background:#e6a100">flaky</span> <span class="what">${esc(c.campaign)}</span>: met in ${c.met} of ${c.decided} repetitions ${links(v, c.runs)}</li>`);
  }
  for (const n of ch.newFindings) {
    const f = n.finding;
    const where = `${f.kind ?? 'finding'}${f.node ? `@${f.node}` : ''}`;
    items.push(`<li class="new-finding" data-change="finding" data-campaign="${esc(n.campaign)}"><span class="badge" style="background:#6a1b9a">new finding</span> <span class="what">${esc(n.campaign)}</span>: <span class="kind">${esc(where)}</span> ${esc(f.message)} ${links(v, n.runs)}</li>`);
  }
  for (const r of ch.infra) {
    items.push(`<li class="infra" data-change="infra" data-campaign="${esc(r.campaign)}"><span class="badge" style="background:${OUTCOME_COLORS[r.outcome!]}">${esc(r.outcome)}</span> <span class="what">${esc(r.campaign)}</span> r${r.repetition}/${r.repetitions}${r.message ? `: ${esc(r.message)}` : ''} ${repLink(v, r)}</li>`);
  }
  const since = ch.previous ? `since night ${esc(ch.previous)}` : '(the first night of this suite)';
  const why = [...new Set(ch.skipped.map((r) => r.message ?? 'not run'))];
  const skipped = ch.skipped.length ? `<p class="skipped">${ch.skipped.length} run(s) skipped: ${why.map(esc).join('; ')}.</p>` : '';
  if (quiet(ch)) return `<h3>What changed ${since}</h3><p class="quiet">Nothing: no flips, no flaky campaign, no new finding, no infrastructure fault.</p>${skipped}`;
  return `<h3>What changed ${since}</h3><ul class="changes">${items.join('')}</ul>${skipped}`;
}

function cell(v: NightsView, c: CampaignNight | undefined, n: Night): string {
  if (!c) return `<td class="cell absent" title="${esc(`not run on night ${n.night}`)}"></td>`;
  const undecided = c.runs.length - c.decided;
  const title = `${c.campaign} on night ${n.night}: ${CELL_TEXT[c.state]}, ${c.met}/${c.decided} met${undecided ? `, ${undecided} not decided` : ''}${c.verdict ? ` · verdict ${c.verdict}` : ''} · ${c.runs.map((r) => fmtMs(r.durationMs) || '?').join(', ')}`;
  return `<td class="cell st-${c.state}${undecided ? ' undecided-reps' : ''}" data-state="${c.state}" style="background:${CELL_COLORS[c.state]}33" title="${esc(title)}">${links(v, c.runs)}</td>`;
}

function gridHtml(v: NightsView, nights: readonly Night[], ch: NightChanges): string {
  const shown = nights.slice(-v.last);
  const per = shown.map((n) => campaignNights(n));
  const latest = per[per.length - 1]!;
  // the campaigns the morning is about first, then the latest night's order, then older ones
  const order = [...ch.flips.map((f) => f.campaign), ...ch.flaky.map((c) => c.campaign), ...latest.keys(), ...per.slice(0, -1).flatMap((m) => [...m.keys()]).sort()];
  const campaigns = [...new Set(order)];
  const head = shown.map((n) => `<th title="${esc(`night ${n.night}, started ${n.startedAt}`)}">${esc(n.startedAt.slice(5, 16).replace('T', ' '))}</th>`).join('');
  const rows = campaigns.map((c) => {
    const last = latest.get(c);
    const durations = last ? last.runs.map((r) => esc(fmtMs(r.durationMs) || '?')).join(', ') : '';
    return `<tr data-campaign="${esc(c)}"><td class="name">${esc(c)}</td>${shown.map((n, i) => cell(v, per[i]!.get(c), n)).join('')}<td>${durations}</td></tr>`;
  });
  return `<table class="grid"><thead><tr><th>campaign</th>${head}<th>durations (latest)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function counts(n: Night): string {
  const by = new Map<string, number>();
  for (const r of n.runs) by.set(r.outcome ?? r.status, (by.get(r.outcome ?? r.status) ?? 0) + 1);
  return [...by].map(([k, c]) => `${c} ${k}`).join(', ');
}

export function renderNights(v: NightsView): string {
  const parts: string[] = [];
  for (const ch of v.changes) {
    const nights = v.suites.get(ch.suite)!;
    const latest = nights[nights.length - 1]!;
    const state = latest.endedAt ? `ended ${esc(latest.endedAt)}` : '<b>still running</b>';
    parts.push(`<section class="night" data-suite="${esc(ch.suite)}"><h2>Suite ${esc(ch.suite)}: night ${esc(latest.night)}</h2><div><small>started ${esc(latest.startedAt)}, ${state} · ${latest.runs.length} runs: ${esc(counts(latest))} · cluster ${esc(latest.cluster)}</small></div>${changesHtml(v, ch)}<h3>Last ${Math.min(v.last, nights.length)} nights</h3>${gridHtml(v, nights, ch)}</section>`);
  }
  for (const e of v.errors) parts.push(`<p class="err">${esc(e.file)}: ${esc(e.error)}</p>`);
  return parts.join('\n');
}
