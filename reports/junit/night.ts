// JUnit XML for a night of `rdma-chaos nightly`: one <testsuite> for the night, one <testcase>
// per campaign run. A missed expectation is a <failure>; a run that was not decided (unknown,
// infrastructure, a crashed harness, a timeout) is an <error>; a run the budget skipped is
// <skipped>, so CI never reads an undecided night as green.
import type { Night, NightRun } from '../../harness/core';
import { xmlAttr, xmlEsc } from '../escape';

const secs = (ms: number): string => (Math.round(ms) / 1000).toFixed(3);

function caseOf(r: NightRun, suite: string, reportOf: (r: NightRun) => string | undefined): string {
  const name = `${r.campaign} r${r.repetition}/${r.repetitions} (seed ${r.seed})`;
  const want = r.expected ? [r.expected.verdict ? `verdict ${r.expected.verdict}` : '', ...(r.expected.patterns ?? [])].filter(Boolean).join(', ') || 'any verdict' : 'verdict valid';
  const got = `${r.verdict ? `verdict ${r.verdict}` : 'no verdict'}${r.incomplete ? ' (incomplete: the controller was killed)' : ''}`;
  const why = r.message ? `: ${r.message}` : '';
  const inner: string[] = [];
  switch (r.outcome) {
    case 'met':
      break;
    case 'not-met':
      inner.push(`<failure message="${xmlAttr(`expected ${want}, got ${got}`)}" type="unexpected-outcome">${xmlEsc(`expected ${want}; got ${got}${why}`)}</failure>`);
      break;
    case 'skipped':
    case undefined:
      inner.push(`<skipped message="${xmlAttr(r.message ?? 'not run')}"/>`);
      break;
    default:
      inner.push(`<error message="${xmlAttr(`${r.outcome}${why}`)}" type="${xmlAttr(r.outcome)}">${xmlEsc(`${r.outcome}: ${got}${why}`)}</error>`);
  }
  const report = reportOf(r);
  inner.push(`<system-out>${xmlEsc(`${got}; expected ${want}${r.dir ? `; run ${r.dir}` : ''}${report ? `; report ${report}` : ''}`)}</system-out>`);
  return `    <testcase name="${xmlAttr(name)}" classname="${xmlAttr(`rdma-chaos.nightly.${suite}.${r.campaign}`)}" time="${secs(r.durationMs ?? 0)}">\n${inner.map((l) => `      ${l}`).join('\n')}\n    </testcase>`;
}

export function nightJunitXml(n: Night, reportOf: (r: NightRun) => string | undefined = () => undefined): string {
  const count = (f: (r: NightRun) => boolean): number => n.runs.filter(f).length;
  const failures = count((r) => r.outcome === 'not-met');
  const skipped = count((r) => r.outcome === 'skipped' || r.outcome === undefined);
  const errors = n.runs.length - failures - skipped - count((r) => r.outcome === 'met');
  const time = n.runs.reduce((s, r) => s + (r.durationMs ?? 0), 0);
  const ts = n.startedAt.replace(/\.\d+Z$|Z$/, '');
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="rdma-chaos nightly ${xmlAttr(n.suite)}" tests="${n.runs.length}" failures="${failures}" errors="${errors}" time="${secs(time)}">
  <testsuite name="${xmlAttr(`${n.suite} ${n.night}`)}" tests="${n.runs.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${secs(time)}" timestamp="${xmlAttr(ts)}" hostname="rdma-chaos" id="0" package="rdma-chaos">
    <properties>
      <property name="suite" value="${xmlAttr(n.suite)}"/>
      <property name="cluster" value="${xmlAttr(n.cluster)}"/>
      <property name="starts" value="${n.starts}"/>
    </properties>
${n.runs.map((r) => caseOf(r, n.suite, reportOf)).join('\n')}
    <system-out>${xmlEsc(`night ${n.night} of suite ${n.suite}: ${n.runs.length} runs, exit ${n.exitCode ?? '(the night did not end)'}`)}</system-out>
    <system-err></system-err>
  </testsuite>
</testsuites>
`;
}
