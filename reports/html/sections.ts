// The report's static sections, rendered here so they read without any script: the banner,
// findings, summary, counters, violation details and the campaign. Every value goes through esc.
import { SERIOUS_FINDINGS, type Explained, type Finding, type Operation, type PatternMatch, type RunResults, type TimeBase } from '../../harness/core';
import { esc, shortJson } from '../escape';

export interface ViolationView {
  n: number;
  checker: string;
  v: RunResults['checks'][number]['violations'][number];
  match: PatternMatch;
}

export function secs(t: number, tb: TimeBase): string {
  return tb.timed ? `${((t - tb.t0) / 1e9).toFixed(3)} s` : `rank ${t}`;
}

/** Reasons the run did not end clean; the report opens with them. */
export function uncleanReasons(r: RunResults): string[] {
  const out = r.faults.filter((f) => f.phase !== 'NotInjected').map((f) => `Fault ${f.id} (${f.kind} on ${f.targets.join(', ') || 'no target'}) reads ${f.phase}: it may still be active on the cluster.`);
  if (!r.clean) out.push('The run did not end clean: not every fault was healed and every process stopped. Check the cluster before the next run.');
  return out;
}

export function bannerHtml(r: RunResults): string {
  const reasons = uncleanReasons(r);
  if (!reasons.length) return '';
  return `<div id="banner" class="banner" role="alert"><strong>NOT CLEAN</strong><ul>${reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul></div>`;
}

/** in the header: the run did not end, so the history is what it holds up to the interruption */
export function incompleteHtml(r: RunResults): string {
  if (!r.incomplete) return '';
  return `<div class="incomplete" id="incomplete"><b>INCOMPLETE</b>: ${esc(r.incompleteReason ?? 'the run did not end')}</div>`;
}

/** in the header: nodes lost during the run that nothing restarted (ssh driver) */
export function nodesLostHtml(r: RunResults): string {
  if (!r.nodesLost?.length) return '';
  return `<div class="incomplete" id="node-lost"><b>NODE-LOST</b>: ${esc(r.nodesLost.join(', '))} stopped answering and ${r.nodesLost.length > 1 ? 'were' : 'was'} not restarted; ${r.nodesLost.length > 1 ? 'their' : 'its'} ops after that are indeterminate</div>`;
}

function findingCard(f: Finding, tb: TimeBase, faultKinds: Map<string, string>): string {
  const when = [f.time !== undefined ? secs(f.time, tb) + ' into the run' : '', f.wallTime ?? ''].filter(Boolean).join(', ');
  const active = f.activeFaults.length ? f.activeFaults.map((id) => `${id} (${faultKinds.get(id) ?? '?'})`).join(', ') : 'none';
  return `<div class="finding finding-${esc(f.kind)}"><h3><span class="kind">${esc(f.kind)}</span> on <span class="node">${esc(f.node)}</span></h3>
<p class="msg">${esc(f.message)}</p><dl><dt>when</dt><dd>${esc(when || 'unknown')}</dd><dt>active faults</dt><dd>${esc(active)}</dd></dl>
<pre class="excerpt">${esc(f.excerpt)}</pre></div>`;
}

export function findingsHtml(r: RunResults, tb: TimeBase): string {
  const kinds = new Map(r.faults.map((f) => [f.id, f.kind]));
  const infra = r.infrastructureFault
    ? `<div class="infra" id="infrastructure-fault"><h3>Infrastructure fault: the testbed broke, not the system under test</h3><p>${esc(r.infrastructureFault.reason)}</p><p>The verdict is <b>unknown</b>: nothing can be concluded about the system from this run. The cluster was ${r.infrastructureFault.repaired ? 'repaired' : '<b>not</b> repaired'}.</p></div>`
    : '';
  const cards = r.findings.map((f) => findingCard(f, tb, kinds)).join('');
  const none = !infra && !cards ? '<p class="none">No findings: no kernel oops, panic, hung task, RCU stall or frozen fabric was detected.</p>' : '';
  return `<section id="findings"><h2>Findings and infrastructure faults</h2>${infra}${cards}${none}</section>`;
}

export function summaryHtml(r: RunResults, views: ViolationView[], notes: string[]): string {
  const rows: [string, string][] = [
    ['campaign', r.campaign],
    ['seed', String(r.seed)],
    ['policy', r.policy ?? '—'],
    ['started', r.startedAt],
    ['duration', `${(r.durationMs / 1000).toFixed(1)} s`],
    ['cluster', `${r.cluster.driver}: ${r.cluster.nodes.join(', ')} (${r.cluster.rails} rail${r.cluster.rails === 1 ? '' : 's'})`],
  ];
  let expected = '';
  if (r.expected) {
    const want = [r.expected.verdict ? `verdict ${r.expected.verdict}` : '', ...(r.expected.patterns ?? []).map((p) => `pattern “${p}”`)].filter(Boolean).join(', ');
    expected = `<p class="expected ${r.expected.matched ? 'matched' : 'unmatched'}">Expected outcome (${esc(want || 'none stated')}): ${r.expected.matched ? 'matched' : '<b>NOT matched</b>'}.</p>`;
  }
  const sentences = views.length
    ? `<ol class="sentences">${views.map((x) => `<li><a href="#violation-${x.n}">${x.match.pattern ? `<span class="pattern">${esc(x.match.pattern)}</span> ` : ''}${esc(x.v.message)}</a></li>`).join('')}</ol>`
    : `<p>${noViolation(r)}</p>`;
  const checks = `<table class="checks"><thead><tr><th>check</th><th>verdict</th><th>violations</th><th>time</th><th>summary</th></tr></thead><tbody>${r.checks
    .map((c) => `<tr><td>${esc(c.checker)}</td><td class="v-${esc(c.verdict)}">${esc(c.verdict)}</td><td>${c.violations.length}</td><td>${c.ms.toFixed(1)} ms</td><td>${esc(c.summary)}</td></tr>`)
    .join('')}</tbody></table>`;
  const stats = r.stats.length
    ? `<table class="stats"><thead><tr><th>workload</th><th>ops</th><th>ok</th><th>fail</th><th>info</th><th>ops/s</th><th>p50</th><th>p99</th></tr></thead><tbody>${r.stats
        .map((s) => `<tr><td>${esc(s.workload)}</td><td>${s.ops}</td><td>${s.ok}</td><td>${s.fail}</td><td>${s.info}</td><td>${s.opsPerSec}</td><td>${s.latencyP50Us ?? '—'} µs</td><td>${s.latencyP99Us ?? '—'} µs</td></tr>`)
        .join('')}</tbody></table>`
    : '';
  const allNotes = [...(r.notes ?? []), ...notes];
  return `<section id="summary"><h2>Summary</h2><div class="verdict verdict-${esc(r.verdict)}">${esc(r.verdict.toUpperCase())}</div>
${r.infrastructureFault ? '<p class="infra-note">Verdict unknown because of an infrastructure fault (see above).</p>' : ''}${expected}${shrunkHtml(r)}
<dl class="meta">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
<h3>Violations</h3>${sentences}<h3>Checks</h3>${checks}${stats ? `<h3>Workloads</h3>${stats}` : ''}${allNotes.length ? `<ul class="notes">${allNotes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}</section>`;
}

/** a shrunk campaign's provenance; the violations below show the history-level minimal set */
function shrunkHtml(r: RunResults): string {
  const k = r.shrunk;
  if (!k) return '';
  const t = k.seconds >= 120 ? `${(k.seconds / 60).toFixed(1)} min` : `${k.seconds.toFixed(0)} s`;
  return `<p class="shrunk" id="shrunk">Shrunk by <code>rdma-chaos shrink</code> from run <code>${esc(k.from)}</code> (seed ${esc(String(k.seed))}): ${k.candidates} candidates in ${esc(t)}; fault steps ${k.faults[0]} → ${k.faults[1]}, workloads ${k.workloads[0]} → ${k.workloads[1]}; reproduced in ${esc(k.reproduced)} runs${k.exhausted ? '. The budget ran out: a smaller campaign may exist' : ''}. The checker's minimal set of operations is under each violation.</p>`;
}

/** The summary's sentence when no violation was found: why the verdict is what it is. */
function noViolation(r: RunResults): string {
  if (r.verdict === 'valid') return 'No violation: every check passed.';
  const allPassed = r.checks.length > 0 && r.checks.every((c) => c.verdict === 'valid');
  if (allPassed && r.infrastructureFault) return 'No violation, but the verdict is unknown: the testbed broke during the run (see the infrastructure fault above).';
  const serious = r.findings.filter((f) => SERIOUS_FINDINGS.has(f.kind));
  if (allPassed && serious.length) return `No violation, but the verdict is unknown: ${esc([...new Set(serious.map((f) => `${f.kind} on ${f.node}`))].join(', '))} during the run (see the findings above).`;
  return 'No violation was found, but not every check could decide.';
}

/** Each fault, its window and whether the evidence shows it took effect. */
export function faultsHtml(r: RunResults, tb: TimeBase): string {
  if (!r.faults.length) return '';
  const rows = r.faults
    .map((f) => {
      const span = f.start !== undefined ? `${secs(f.start, tb)} – ${f.stop !== undefined ? secs(f.stop, tb) : 'never healed'}` : 'never took effect';
      const c = f.confirmation;
      return `<tr data-fault="${esc(f.id)}"><td>${esc(f.id)}</td><td>${esc(f.kind)}</td><td>${esc(f.targets.join(', '))}</td><td>${esc(span)}</td><td class="c-${esc(c?.status ?? 'none')}">${esc(c?.status ?? '—')}</td><td>${esc(c?.evidence ?? 'not checked (results from before fault confirmation)')}</td></tr>`;
    })
    .join('');
  return `<section id="faults"><h2>Faults and their evidence</h2><table class="faults"><thead><tr><th>fault</th><th>kind</th><th>target</th><th>window</th><th>took effect</th><th>evidence</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

export function countersHtml(r: RunResults, tb: TimeBase): string {
  const head = '<section id="counters"><h2>rxe counters per fault window</h2>';
  if (!r.counters.length) return `${head}<p class="none">No rxe counter samples were recorded for this run.</p></section>`;
  const nonzero = (n: string): boolean => r.counters.some((c) => (c.deltas[n] ?? 0) !== 0);
  const all = [...new Set(r.counters.flatMap((c) => Object.keys(c.deltas)))];
  // transport errors first (the reason to look), then the other counters that moved
  const errs = all.filter((n) => ERRORS.has(n) && nonzero(n)).sort();
  const others = all.filter((n) => !ERRORS.has(n) && nonzero(n)).sort();
  const names = [...errs, ...others];
  const faults = new Map(r.faults.map((f) => [f.id, f]));
  const windows = [...new Set(r.counters.map((c) => c.window))];
  const label = (w: string): string => {
    const f = faults.get(w);
    if (!f) return w === 'baseline' ? 'baseline (before any fault)' : w === 'run' ? 'whole run' : w;
    const span = f.start !== undefined ? ` ${secs(f.start, tb)} – ${f.stop !== undefined ? secs(f.stop, tb) : 'never healed'}` : '';
    return `${f.id}: ${f.kind} on ${f.targets.join(', ')}${span}`;
  };
  const body = windows
    .map((w) => {
      // devices without a transport error in this window fold into one line
      const rows = r.counters.filter((c) => c.window === w);
      const loud = rows.filter((c) => errs.some((n) => (c.deltas[n] ?? 0) !== 0));
      const folded = rows.length - loud.length;
      const lines = loud.map((c) => `<td class="dev" title="${esc(c.node)}">${esc(c.node)}</td><td>${esc(c.device)}</td>${names.map((n) => {
        const v = c.deltas[n] ?? 0;
        return `<td class="${v ? (ERRORS.has(n) ? 'nz err' : 'nz') : 'z'}">${v}</td>`;
      }).join('')}`);
      if (folded) lines.push(`<td colspan="${names.length + 2}" class="z">${folded} other device(s): no transport errors</td>`);
      return lines.map((l, k) => `<tr>${k === 0 ? `<th rowspan="${lines.length}" class="window">${esc(label(w))}</th>` : ''}${l}</tr>`).join('');
    })
    .join('');
  return `${head}<p>Hardware counter deltas of each rxe device over each window; transport errors in red.</p><div class="scroll"><table class="counters"><thead><tr><th>window</th><th>node</th><th>device</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table></div></section>`;
}

const ERRORS = new Set(['duplicate_request', 'retry_exceeded_err', 'out_of_seq_request', 'link_downed', 'rnr_nak_retry_err', 'local_ack_timeout_err', 'seq_err_naks_rcvd', 'rnr_nak_rcvd', 'completer_retry_err', 'send_rnr_err', 'rcvd_seq_err']);

const OPS_SHOWN = 200;

function opRows(ids: readonly number[], ops: readonly Operation[], tb: TimeBase): string {
  const rows = ids.slice(0, OPS_SHOWN).map((id) => {
    const op = ops[id];
    if (!op) return `<tr><td>${id}</td><td colspan="10">(not in the history)</td></tr>`;
    const lat = tb.timed && op.retTime !== undefined && op.callTime !== undefined ? `${((op.retTime - op.callTime) / 1e3).toFixed(1)} µs` : '—';
    const call = op.callTime !== undefined ? secs(op.callTime, tb) : `rank ${op.call}`;
    return `<tr class="op st-${op.status}" data-op="${id}"><td>${id}</td><td>p${op.process}</td><td>${esc(op.node ?? '')}</td><td>${esc(op.f)}</td><td>${esc(typeof op.key === 'string' ? (op.key.length > 80 ? op.key.slice(0, 79) + '…' : op.key) : shortJson(op.key, 80))}</td><td>${esc(shortJson(op.value, 120))}</td><td>${esc(shortJson(op.result, 120))}</td><td>${esc(op.status)}${op.error ? ' ' + esc(op.error) : ''}</td><td>${esc(call)}</td><td>${lat}</td><td>${esc(op.rdma ? JSON.stringify(op.rdma) : '')}</td><td>${op.callLine ?? ''}</td></tr>`;
  });
  const more = ids.length > OPS_SHOWN ? `<tr><td colspan="12">… and ${ids.length - OPS_SHOWN} more</td></tr>` : '';
  return `<table class="ops"><thead><tr><th>op</th><th>proc</th><th>node</th><th>f</th><th>key</th><th>value</th><th>result</th><th>status</th><th>invoked</th><th>latency</th><th>rdma</th><th>line</th></tr></thead><tbody>${rows.join('')}${more}</tbody></table>`;
}

/** the result the violation instantiates, the sender's view and what executed, side by side */
function explainedHtml(e: Explained): string {
  const list = (xs: readonly string[]): string => (xs.length ? `<ul>${xs.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : '<p class="none">Nothing recorded.</p>');
  return `<div class="explained"><div class="ex-result"><h4>The result it instantiates</h4><p class="ex-name">${esc(e.result)}</p><p>${esc(e.statement)}</p></div><div class="ex-sender"><h4>What the sender saw</h4>${list(e.sender)}</div><div class="ex-executed"><h4>What executed</h4>${list(e.executed)}</div><p class="ex-unavoidable">${esc(e.unavoidable)}</p></div>`;
}

export function violationsHtml(views: ViolationView[], ops: readonly Operation[], tb: TimeBase): string {
  if (!views.length) return '<section id="violations"><h2>Violations</h2><p class="none">None.</p></section>';
  const cards = views.map(({ n, checker, v, match }) => {
    const pattern = v.pattern ?? match.pattern;
    const pat = pattern
      ? `<p class="pattern-line">Known failure pattern: <span class="pattern">${esc(pattern)}</span>${v.pattern ? '' : ` (${esc(match.confidence)})`}. ${esc(match.because)}</p>`
      : `<p class="pattern-line">No known failure pattern. ${esc(match.because)}</p>`;
    let ex = '';
    const e = v.explanation;
    if (e) {
      const tail = e.longestPrefix.slice(-10);
      ex = `<div class="explanation"><h4>Checker's explanation</h4><p>Partition <code>${esc(e.partition || '(whole history)')}</code>, model <code>${esc(e.model)}</code>. These ${e.minimal.length} operation(s) cannot be linearized whatever the others did${e.minimalComplete ? '' : ' (shrinking ran out of time: a superset of a minimal set)'}:</p>${opRows(e.minimal, ops, tb)}
<p>Longest linearizable prefix: ${e.longestPrefix.length} operation(s); the state after it is <code>${esc(e.stateAfterPrefix)}</code>. ${tail.length < e.longestPrefix.length ? `Its last ${tail.length}:` : 'In order:'}</p>${opRows(tail, ops, tb)}
<p>Then op ${e.blocked} cannot follow:</p>${opRows([e.blocked], ops, tb)}</div>`;
    }
    return `<div class="violation" id="violation-${n}"><h3>#${n + 1} ${esc(v.kind)} <small>(${esc(checker)})</small> <button type="button" class="show" data-violation="${n}">show on timeline</button></h3>
<p class="message">${esc(v.message)}</p>${pat}${v.explained ? explainedHtml(v.explained) : ''}<h4>Operations involved</h4>${v.ops.length ? opRows(v.ops, ops, tb) : '<p>(none recorded)</p>'}${ex}</div>`;
  });
  return `<section id="violations"><h2>Violations in detail</h2>${cards.join('')}</section>`;
}

export function campaignHtml(r: RunResults, yaml: string | undefined): string {
  return `<section id="campaign"><h2>The campaign as run</h2><p>Seed <code class="seed">${esc(String(r.seed))}</code>; replay with <code>rdma-chaos run --replay RUN_DIR</code>.</p>${
    yaml !== undefined ? `<pre class="yaml">${esc(yaml)}</pre>` : '<p class="none">campaign.yaml is missing from the run directory.</p>'
  }</section>`;
}
