// JUnit XML: valid against the common (Ant/Jenkins) JUnit schema shape, one testcase per check,
// a violation as a <failure> with its sentence as message, undecided checks as <error>, and
// planted markup escaped.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { junitProblems, junitXml, parseXml, type XmlElement } from '.';
import type { RunResults } from '../../harness/core';
import { HOSTILE, makeSyntheticRun } from '../test-support';

let tmp: string;
let bad: RunResults;
let clean: RunResults;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-junit-'));
  bad = makeSyntheticRun({ dir: path.join(tmp, 'bad'), ops: 1000, hostile: true, kernelOops: true, plant: ['duplicateFadd', 'staleRead'] }).results;
  clean = makeSyntheticRun({ dir: path.join(tmp, 'clean'), ops: 600, plant: [] }).results;
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const all = (e: XmlElement, name: string): XmlElement[] => [...(e.name === name ? [e] : []), ...e.children.flatMap((c) => all(c, name))];

test('a violation is a failure whose message is its sentence; the file passes the schema check', () => {
  const xml = junitXml([{ results: bad, report: '/runs/x/report.html' }, { results: clean }]);
  expect(junitProblems(xml)).toEqual([]);
  const root = parseXml(xml);
  const [s1, s2] = root.children;
  expect(s1!.attrs.name).toBe(bad.campaign);
  const amo = s1!.children.find((c) => c.name === 'testcase' && c.attrs.name === 'at-most-once')!;
  const failure = amo.children.find((c) => c.name === 'failure')!;
  const v = bad.checks.find((c) => c.checker === 'at-most-once')!.violations[0]!;
  expect(failure.attrs.message).toBe(v.message);
  expect(failure.attrs.type).toBe('duplicate');
  expect(failure.text).toContain(v.message);
  // one testcase per check, plus findings and clean teardown
  expect(all(s1!, 'testcase').map((t) => t.attrs.name)).toEqual([...bad.checks.map((c) => c.checker), 'findings', 'clean teardown']);
  expect(all(s1!, 'testcase').find((t) => t.attrs.name === 'findings')!.children[0]!.attrs.type).toBe('kernel-oops');
  expect(Number(s1!.attrs.failures)).toBe(bad.checks.filter((c) => c.verdict === 'invalid').length + 1);
  expect(all(s2!, 'failure')).toHaveLength(0);
  expect(root.attrs.tests).toBe(String(all(root, 'testcase').length));
  // markup in names and messages is text, not elements
  expect(s1!.attrs.name).toContain(HOSTILE.script);
  expect(all(root, 'script')).toHaveLength(0);
});

test('unknown verdicts are errors, infrastructure faults too; a met expectation makes expected violations pass', () => {
  const unknown: RunResults = { ...clean, verdict: 'unknown', checks: [{ ...clean.checks[0]!, verdict: 'unknown', summary: 'time budget of 60 s exhausted', violations: [] }], infrastructureFault: { reason: 'rail 0 froze', repaired: true } };
  const x1 = junitXml([{ results: unknown }]);
  expect(junitProblems(x1)).toEqual([]);
  const errs = all(parseXml(x1), 'error');
  expect(errs.map((e) => e.attrs.type)).toEqual(['unknown', 'infrastructure-fault']);

  const selfTest: RunResults = { ...bad, findings: [], expected: { verdict: 'invalid', patterns: ['duplicate FADD after failover'], matched: true } };
  const x2 = junitXml([{ results: selfTest }]);
  expect(junitProblems(x2)).toEqual([]);
  expect(all(parseXml(x2), 'failure')).toHaveLength(0);
  expect(all(parseXml(x2), 'testcase').find((t) => t.attrs.name === 'expected outcome')!.children[0]!.text).toContain('matched');
  const x3 = junitXml([{ results: { ...selfTest, expected: { verdict: 'valid', matched: false } } }]);
  expect(all(parseXml(x3), 'failure').map((f) => f.attrs.type)).toContain('unexpected-outcome');
});

test('the schema check rejects what CI servers reject', () => {
  const ok = junitXml([{ results: clean }]);
  const cases: [string, RegExp][] = [
    [ok.replace(/ classname="[^"]*"/, ''), /lacks required attribute classname/],
    [ok.replace(/(<testsuite name="[^"]*") tests="\d+"/, '$1 tests="99"'), /tests="99" but has/],
    [ok.replace(/(<testsuites[^>]*) tests="\d+"/, '$1 tests="99"'), /tests="99" but the suites add up/],
    [ok.replace(/timestamp="[^"]*"/, 'timestamp="yesterday"'), /timestamp="yesterday" is not of the right type/],
    [ok.replace('<properties>', '<bogus/><properties>'), /contains <bogus>/],
    [ok.replace('</testsuite>', '<properties></properties></testsuite>'), /out of order|more than one/],
    [ok.replace('rdma-chaos.', 'a & b'), /not well-formed XML: .*raw "&"/],
    [ok.replace('</testsuites>', ''), /not well-formed/],
    [ok.replace('name="rdma-chaos"', 'name="\u0001"'), /not allowed in XML/],
    [ok.replace('<testsuites', '<results').replace('</testsuites>', '</results>'), /root element is <results>/],
  ];
  for (const [xml, re] of cases) expect(junitProblems(xml).join('\n')).toMatch(re);
});
