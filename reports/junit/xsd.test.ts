// Our JUnit XML against the JUnit XSD that CI servers read (the Jenkins xUnit plugin's
// junit-10.xsd, in junit.xsd here), checked by an independent validator: libxml2's xmllint,
// which `rdma-chaos setup` installs. The project's own reader (validate.ts) is not the judge.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { junitProblems, junitXml, type JunitRun } from '.';
import type { RunResults } from '../../harness/core';
import { HOSTILE, makeSyntheticRun } from '../test-support';

const XSD = path.join(__dirname, 'junit.xsd');
let tmp: string;
let bad: RunResults;
let clean: RunResults;
beforeAll(() => {
  // a missing validator fails the test: setup installs it, and a skip would prove nothing
  execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-xsd-'));
  bad = makeSyntheticRun({ dir: path.join(tmp, 'bad'), ops: 600, hostile: true, kernelOops: true, plant: ['duplicateFadd', 'staleRead'] }).results;
  clean = makeSyntheticRun({ dir: path.join(tmp, 'clean'), ops: 400, plant: [] }).results;
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** xmllint's verdict on one document: its exit code and what it said */
function xmllint(xml: string): { code: number | null; out: string } {
  const f = path.join(tmp, `junit-${n++}.xml`);
  fs.writeFileSync(f, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, f], { encoding: 'utf8' });
  return { code: r.status, out: r.stderr };
}

function expectValid(runs: JunitRun[]): string {
  const xml = junitXml(runs);
  const r = xmllint(xml);
  expect(r.out).toMatch(/ validates$/m);
  expect(r.code).toBe(0);
  expect(junitProblems(xml)).toEqual([]);
  return xml;
}

describe('our JUnit XML validates against junit.xsd with xmllint', () => {
  it('a valid run', () => {
    expect(clean.verdict).toBe('valid');
    expectValid([{ results: clean }]);
  });
  it('an invalid run, its violations as failures', () => {
    expect(expectValid([{ results: bad, report: '/runs/x/report.html' }])).toMatch(/<failure message="[^"]+" type="duplicate">/);
  });
  it('an unknown run with an infrastructure fault, as errors', () => {
    const unknown: RunResults = { ...clean, verdict: 'unknown', checks: [{ ...clean.checks[0]!, verdict: 'unknown', summary: 'time budget of 60 s exhausted', violations: [] }], infrastructureFault: { reason: 'rail 0 froze', repaired: true } };
    expect(expectValid([{ results: unknown }])).toMatch(/<error message="infrastructure fault: rail 0 froze" type="infrastructure-fault">/);
  });
  // at-most-once skips keys it cannot decide: all of them -> unknown, some -> valid with a note
  it('skipped checks', () => {
    const skipped: RunResults = {
      ...clean,
      verdict: 'unknown',
      checks: [
        { checker: 'at-most-once', verdict: 'unknown', ms: 3, summary: 'skipped: 2 keys without a final read', violations: [] },
        { checker: 'linearizability', verdict: 'valid', ms: 9, summary: '400 ops; skipped 1 undecodable key', violations: [] },
      ],
    };
    expectValid([{ results: skipped }]);
  });
  it('values that need escaping: markup, quotes, ampersands, control characters, lone surrogates', () => {
    const nasty = `${HOSTILE.script} ${HOSTILE.img} ${HOSTILE.svg} ${HOSTILE.endScript} ${HOSTILE.lineSep} a & b ]]> \u0001\u0008\u000b\ud800 \r\n\t€`;
    const r: RunResults = {
      ...bad,
      campaign: nasty,
      policy: nasty,
      notes: [nasty],
      checks: bad.checks.map((c) => ({ ...c, checker: `${c.checker}${nasty}`, summary: nasty, violations: c.violations.map((v) => ({ ...v, message: nasty, pattern: nasty })) })),
      infrastructureFault: { reason: nasty, repaired: false },
      expected: { verdict: 'valid', patterns: [nasty], matched: false },
    };
    expectValid([{ results: r, report: nasty }]);
  });
  it('several runs in one file, a self-testing one among them', () => {
    const selfTest: RunResults = { ...bad, findings: [], expected: { verdict: 'invalid', patterns: ['duplicate FADD after failover'], matched: true } };
    const xml = expectValid([{ results: bad }, { results: clean }, { results: selfTest }]);
    expect(xml.match(/<testsuite /g)).toHaveLength(3);
  });
});

// the check above must be able to fail: the same documents, broken as a CI server would refuse
test('xmllint with junit.xsd refuses what CI servers refuse', () => {
  const ok = junitXml([{ results: bad }, { results: clean }]);
  expect(xmllint(ok).code).toBe(0);
  const broken: [string, string, RegExp][] = [
    ['a testcase without a name', ok.replace(/<testcase name="[^"]*"/, '<testcase'), /attribute 'name' is required/],
    ['a testsuite without its failure count', ok.replace(/(<testsuite [^>]*?) failures="\d+"/, '$1'), /attribute 'failures' is required/],
    ['an element the schema does not know', ok.replace('<properties>', '<verdict/><properties>'), /verdict.*not expected/],
    ['a failure outside a testcase', ok.replace('<system-err></system-err>', '<failure message="x"/>'), /failure.*not expected/],
    ['a suite time that is not a number', ok.replace(/(<testsuite [^>]*?) time="[^"]*"/, '$1 time="-1.5"'), /time.*not a valid value|pattern/],
    ['a root that is not testsuites', ok.replace('<testsuites', '<results').replace('</testsuites>', '</results>'), /No matching global declaration|results/],
    ['an unescaped ampersand', ok.replace('rdma-chaos.', 'a & b'), /EntityRef|xmlParseEntityRef/],
  ];
  for (const [what, xml, re] of broken) {
    const r = xmllint(xml);
    expect({ what, failed: r.code !== 0 }).toEqual({ what, failed: true });
    expect(r.out).toMatch(re);
  }
});
