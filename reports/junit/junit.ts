// JUnit XML for CI (the Jenkins/Ant shape): one <testsuite> per run, one <testcase> per check,
// plus findings, infrastructure, clean teardown and the expected outcome. A violation is a
// <failure> whose message is its plain-English sentence; an undecided check is an <error>.
import type { RunResults } from '../../harness/core';
import { xmlAttr, xmlEsc } from '../escape';
import { uncleanReasons } from '../html';

export interface JunitRun {
  results: RunResults;
  /** where the HTML report is, printed in system-out */
  report?: string;
}

interface Case {
  name: string;
  time: number;
  failure?: { message: string; type: string; text: string };
  error?: { message: string; type: string; text: string };
  out?: string;
}

function cases(r: RunResults): Case[] {
  const out: Case[] = [];
  // a self-testing campaign that expects violations passes its checks when it got them
  const expectedInvalid = r.expected?.matched === true && r.expected.verdict === 'invalid';
  for (const c of r.checks) {
    const k: Case = { name: c.checker, time: c.ms / 1000 };
    const text = c.violations.map((v, i) => `${i + 1}. [${v.kind}${v.pattern ? `; ${v.pattern}` : ''}] ${v.message} (ops ${v.ops.slice(0, 20).join(', ')}${v.ops.length > 20 ? ', …' : ''})`).join('\n');
    if (c.verdict === 'invalid') {
      const first = c.violations[0];
      const message = first ? first.message : c.summary;
      if (expectedInvalid) k.out = `expected violation(s) found:\n${text}`;
      else k.failure = { message, type: first?.kind ?? 'invalid', text: text || c.summary };
    } else if (c.verdict === 'unknown') k.error = { message: c.summary, type: 'unknown', text: c.summary };
    out.push(k);
  }
  if (r.findings.length) {
    const f0 = r.findings[0]!;
    out.push({ name: 'findings', time: 0, failure: { message: `${f0.kind} on ${f0.node}: ${f0.message}${r.findings.length > 1 ? ` (+${r.findings.length - 1} more)` : ''}`, type: f0.kind, text: r.findings.map((f) => `${f.kind} on ${f.node}: ${f.message}\n${f.excerpt}`).join('\n\n') } });
  } else out.push({ name: 'findings', time: 0 });
  if (r.infrastructureFault) out.push({ name: 'infrastructure', time: 0, error: { message: `infrastructure fault: ${r.infrastructureFault.reason}`, type: 'infrastructure-fault', text: `${r.infrastructureFault.reason}\nverdict unknown; repaired: ${r.infrastructureFault.repaired}` } });
  // an interrupted run's verdict covers only what it recorded: CI must not read it as a pass
  if (r.incomplete) out.push({ name: 'complete run', time: 0, error: { message: `incomplete: ${r.incompleteReason ?? 'the run did not end'}`, type: 'incomplete', text: r.incompleteReason ?? 'the run did not end' } });
  if (r.nodesLost?.length) out.push({ name: 'nodes kept', time: 0, error: { message: `node-lost: ${r.nodesLost.join(', ')}`, type: 'node-lost', text: `${r.nodesLost.join(', ')} stopped answering during the run and ${r.nodesLost.length > 1 ? 'were' : 'was'} not restarted` } });
  const unclean = uncleanReasons(r);
  out.push(unclean.length ? { name: 'clean teardown', time: 0, failure: { message: unclean[0]!, type: 'not-clean', text: unclean.join('\n') } } : { name: 'clean teardown', time: 0 });
  if (r.expected) {
    const want = [r.expected.verdict ? `verdict ${r.expected.verdict}` : '', ...(r.expected.patterns ?? [])].filter(Boolean).join(', ');
    out.push(r.expected.matched ? { name: 'expected outcome', time: 0, out: `matched: ${want}` } : { name: 'expected outcome', time: 0, failure: { message: `expected ${want}, got verdict ${r.verdict}`, type: 'unexpected-outcome', text: `expected ${want}; got verdict ${r.verdict}` } });
  }
  return out;
}

const secs = (x: number): string => (Math.round(x * 1000) / 1000).toFixed(3);

export function junitXml(runs: readonly JunitRun[]): string {
  let tests = 0, failures = 0, errors = 0, time = 0;
  const suites = runs.map(({ results: r, report }, id) => {
    const cs = cases(r);
    const f = cs.filter((c) => c.failure).length;
    const e = cs.filter((c) => c.error).length;
    const t = r.durationMs / 1000;
    tests += cs.length;
    failures += f;
    errors += e;
    time += t;
    const classname = `rdma-chaos.${r.campaign}`;
    const props = [['seed', String(r.seed)], ['verdict', r.verdict], ['policy', r.policy ?? ''], ['cluster', `${r.cluster.driver}:${r.cluster.nodes.join(',')}`]]
      .map(([n, v]) => `      <property name="${xmlAttr(n)}" value="${xmlAttr(v)}"/>`)
      .join('\n');
    const body = cs
      .map((c) => {
        const inner = [
          c.failure ? `      <failure message="${xmlAttr(c.failure.message)}" type="${xmlAttr(c.failure.type)}">${xmlEsc(c.failure.text)}</failure>` : '',
          c.error ? `      <error message="${xmlAttr(c.error.message)}" type="${xmlAttr(c.error.type)}">${xmlEsc(c.error.text)}</error>` : '',
          c.out ? `      <system-out>${xmlEsc(c.out)}</system-out>` : '',
        ].filter(Boolean);
        const open = `    <testcase name="${xmlAttr(c.name)}" classname="${xmlAttr(classname)}" time="${secs(c.time)}"`;
        return inner.length ? `${open}>\n${inner.join('\n')}\n    </testcase>` : `${open}/>`;
      })
      .join('\n');
    const ts = r.startedAt.replace(/\.\d+Z$|Z$/, '');
    return `  <testsuite name="${xmlAttr(r.campaign)}" tests="${cs.length}" failures="${f}" errors="${e}" skipped="0" time="${secs(t)}" timestamp="${xmlAttr(ts)}" hostname="rdma-chaos" id="${id}" package="rdma-chaos">
    <properties>
${props}
    </properties>
${body}
    <system-out>${xmlEsc(`verdict ${r.verdict}, seed ${String(r.seed)}${report ? `, report ${report}` : ''}`)}</system-out>
    <system-err></system-err>
  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="rdma-chaos" tests="${tests}" failures="${failures}" errors="${errors}" time="${secs(time)}">
${suites.join('\n')}
</testsuites>
`;
}
