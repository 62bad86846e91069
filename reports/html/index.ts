// `rdma-chaos report RUN_DIR`: one self-contained report.html (CSS, script and data inline, no
// network), sections in the order ops teams read them: not-clean banner, findings and
// infrastructure faults, summary, timeline, throughput/latency, rxe counters, a reconfigurable
// log's cache tree, a consensus workload's decided log, violations, campaign.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { timeBase, type RunResults } from '../../harness/core';
import { esc, jsonForScript } from '../escape';
import { series, workloadIndex } from '../metrics';
import { loadRun, type RunData } from '../run';
import { latencyChart, throughputChart, type Band } from './charts';
import { cacheTreeSectionHtml } from './cache-tree-section';
import { CLIENT_JS } from './client';
import { decidedLogHtml } from './decided';
import { bannerHtml, campaignHtml, incompleteHtml, nodesLostHtml, countersHtml, faultsHtml, findingsHtml, summaryHtml, violationsHtml, type ViolationView } from './sections';
import { CSS } from './style';
import { buildTimeline, type TimelineOptions } from './timeline';
import writeFileAtomic from 'write-file-atomic';

export { buildTimeline, opText } from './timeline';
export { assignLanes, laneLabel, type Lane, type LaneAssignment } from './lanes';
export { cacheTreeSvg, type CacheTreeSvgOptions } from './cache-tree';
export type { TimelineData, TimelineOptions } from './timeline';
export { uncleanReasons } from './sections';

export interface ReportOptions extends TimelineOptions {
  /** a Content-Security-Policy that lets only our own script run (default true); tests turn
   *  it off to prove the escaping holds on its own */
  csp?: boolean;
  /** time buckets of the throughput/latency charts (default 200) */
  chartBuckets?: number;
}

export function violationViews(run: RunData): ViolationView[] {
  const views: ViolationView[] = [];
  for (const c of run.results.checks) {
    for (const v of c.violations) views.push({ n: views.length, checker: c.checker, v, match: v.match ?? { ...(v.pattern ? { pattern: v.pattern } : {}), confidence: v.pattern ? 'match' : 'none', because: '' } });
  }
  return views;
}

export function renderReport(run: RunData, o: ReportOptions = {}): string {
  const r: RunResults = run.results;
  const tb = timeBase(run.ops, run.faults);
  const views = violationViews(run);
  const wi = workloadIndex(run.ops, r.workloads);
  const workloadOf = (i: number): string => wi.names[wi.of[i]!]!;
  const timeline = buildTimeline(run.ops, run.faults, tb, views.map((x) => ({ label: `#${x.n + 1} ${x.v.kind}`, ops: x.v.explanation ? [...new Set([...x.v.ops, x.v.explanation.blocked])] : x.v.ops })), o, workloadOf);
  const confirmations = new Map(r.faults.flatMap((f) => (f.confirmation ? [[f.id, f.confirmation] as const] : [])));
  timeline.faults = timeline.faults.map((f) => {
    const c = confirmations.get(f.id);
    return c ? { ...f, status: c.status, evidence: c.evidence } : f;
  });
  const s = series(run.ops, tb, wi, o.chartBuckets ?? 200);
  const spanS = tb.timed ? (tb.t1 - tb.t0) / 1e9 : tb.t1 - tb.t0;
  const unit = tb.timed ? 's' : '';
  const bands: Band[] = run.faults.map((w) => ({ id: w.id, kind: w.kind, from: (tb.faultStart(w) - tb.t0) / (tb.t1 - tb.t0), to: (tb.faultStop(w) - tb.t0) / (tb.t1 - tb.t0) }));
  const script = CLIENT_JS;
  const hash = createHash('sha256').update(script).digest('base64');
  const csp = o.csp === false ? '' : `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-${hash}'; style-src 'unsafe-inline'; img-src data:">`;
  const legend = `<div class="legend-row"><span><i class="sw" style="background:#2e9e44"></i>ok</span><span><i class="sw" style="background:#d62728"></i>fail</span><span><i class="sw" style="background:#e6a100"></i>info (unknown outcome)</span><span><i class="sw" style="background:rgba(120,70,200,.3)"></i>fault window</span><span><i class="sw" style="border:2px solid #ff00c8"></i>op in a violation</span> <button type="button" id="timeline-reset">reset zoom</button></div>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">${csp}<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(r.verdict)}: ${esc(r.campaign)} — rdma-chaos report</title><style>${CSS}</style></head>
<body data-verdict="${esc(r.verdict)}">
${bannerHtml(r)}<header><h1>${esc(r.campaign)}</h1><div class="sub">rdma-chaos run report · ${esc(r.startedAt)} · seed ${esc(String(r.seed))} · ${run.ops.length.toLocaleString('en')} ops</div>${incompleteHtml(r)}${nodesLostHtml(r)}</header>
<main>
${findingsHtml(r, tb)}
${summaryHtml(r, views, run.notes)}
${faultsHtml(r, tb)}
<section id="timeline-section"><h2>Timeline</h2>${legend}<div id="timeline"><canvas></canvas><svg xmlns="http://www.w3.org/2000/svg"></svg><div id="timeline-tip"></div></div><p id="timeline-status" class="none">The timeline needs JavaScript.</p></section>
<section id="charts"><h2>Throughput and latency</h2>${throughputChart(s, bands, spanS, unit)}${latencyChart(s, bands, spanS, unit)}</section>
${countersHtml(r, tb)}
${cacheTreeSectionHtml(r, run.ops)}
${decidedLogHtml(run.ops, views, tb)}
${violationsHtml(views, run.ops, tb)}
${campaignHtml(r, run.campaignYaml)}
</main>
<script type="application/json" id="timeline-data">${jsonForScript(timeline)}</script>
<script>${script}</script>
</body></html>
`;
}

export interface WriteReportResult {
  file: string;
  bytes: number;
  ops: number;
  mode: 'detail' | 'aggregate';
}

/** Renders RUN_DIR/report.html (or `out`). */
export function writeReport(runDir: string, out?: string, o: ReportOptions = {}): WriteReportResult {
  const run = loadRun(runDir);
  const html = renderReport(run, o);
  const file = out ?? path.join(runDir, 'report.html');
  writeFileAtomic.sync(file, html);
  return { file, bytes: Buffer.byteLength(html), ops: run.ops.length, mode: run.ops.length > (o.detailMax ?? 25_000) ? 'aggregate' : 'detail' };
}
