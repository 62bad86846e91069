// A structural check of JUnit XML against the common schema CI servers accept (Ant's JUnit.xsd
// as Jenkins extends it): element nesting and order, required attributes and their types, and
// counts that agree with the test cases. Returns the problems found; empty means valid.
import { parseXml, XmlError, type XmlElement } from './xml';

const INT = /^\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

export function junitProblems(xml: string): string[] {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (e: unknown) {
    if (e instanceof XmlError) return [`not well-formed XML: ${e.message}`];
    throw e;
  }
  const out: string[] = [];
  const need = (el: XmlElement, attr: string, re?: RegExp): void => {
    const v = el.attrs[attr];
    if (v === undefined) out.push(`<${el.name}> (line ${el.line}) lacks required attribute ${attr}`);
    else if (re && !re.test(v)) out.push(`<${el.name}> (line ${el.line}) ${attr}="${v}" is not of the right type`);
  };
  const opt = (el: XmlElement, attr: string, re: RegExp): void => {
    const v = el.attrs[attr];
    if (v !== undefined && !re.test(v)) out.push(`<${el.name}> (line ${el.line}) ${attr}="${v}" is not of the right type`);
  };
  const noText = (el: XmlElement): void => {
    if (el.text.trim() !== '') out.push(`<${el.name}> (line ${el.line}) has text content where only elements are allowed`);
  };
  const suites = root.name === 'testsuites' ? root.children : root.name === 'testsuite' ? [root] : [];
  if (root.name !== 'testsuites' && root.name !== 'testsuite') return [`root element is <${root.name}>, not <testsuites> or <testsuite>`];
  if (root.name === 'testsuites') {
    noText(root);
    for (const a of ['tests', 'failures', 'errors', 'disabled']) opt(root, a, INT);
    opt(root, 'time', DECIMAL);
    for (const c of root.children) if (c.name !== 'testsuite') out.push(`<testsuites> contains <${c.name}>`);
  }
  let totals = { tests: 0, failures: 0, errors: 0 };
  for (const s of suites.filter((x) => x.name === 'testsuite')) {
    noText(s);
    need(s, 'name');
    for (const a of ['tests', 'failures', 'errors']) need(s, a, INT);
    need(s, 'time', DECIMAL);
    opt(s, 'skipped', INT);
    need(s, 'timestamp', DATETIME);
    need(s, 'hostname');
    if (root.name === 'testsuites') {
      need(s, 'id');
      need(s, 'package');
    }
    // properties?, testcase*, system-out?, system-err?  (in this order)
    const order = ['properties', 'testcase', 'system-out', 'system-err'];
    let at = 0;
    const seen = new Map<string, number>();
    for (const c of s.children) {
      const k = order.indexOf(c.name);
      if (k < 0) {
        out.push(`<testsuite> (line ${s.line}) contains <${c.name}>`);
        continue;
      }
      if (k < at) out.push(`<${c.name}> (line ${c.line}) is out of order in <testsuite>`);
      at = k;
      seen.set(c.name, (seen.get(c.name) ?? 0) + 1);
      if (c.name !== 'testcase' && seen.get(c.name)! > 1) out.push(`<testsuite> (line ${s.line}) has more than one <${c.name}>`);
      if (c.name === 'properties') {
        noText(c);
        for (const p of c.children) {
          if (p.name !== 'property') out.push(`<properties> contains <${p.name}>`);
          else {
            need(p, 'name');
            need(p, 'value');
          }
        }
      }
    }
    const cases = s.children.filter((c) => c.name === 'testcase');
    const count = { failures: 0, errors: 0, skipped: 0 };
    for (const t of cases) {
      noText(t);
      need(t, 'name');
      need(t, 'classname');
      need(t, 'time', DECIMAL);
      const outcome = t.children.filter((c) => c.name === 'failure' || c.name === 'error' || c.name === 'skipped');
      if (outcome.length > 1) out.push(`<testcase name="${t.attrs.name}"> has ${outcome.length} outcomes (at most one of failure, error, skipped)`);
      for (const c of t.children) {
        if (!['failure', 'error', 'skipped', 'system-out', 'system-err'].includes(c.name)) out.push(`<testcase> contains <${c.name}>`);
        if (c.children.length) out.push(`<${c.name}> (line ${c.line}) may hold only text`);
        if (c.name === 'failure' || c.name === 'error') need(c, 'type');
      }
      if (t.children.some((c) => c.name === 'failure')) count.failures++;
      if (t.children.some((c) => c.name === 'error')) count.errors++;
      if (t.children.some((c) => c.name === 'skipped')) count.skipped++;
    }
    const num = (a: string): number => Number(s.attrs[a] ?? NaN);
    if (num('tests') !== cases.length) out.push(`<testsuite name="${s.attrs.name}"> tests="${s.attrs.tests}" but has ${cases.length} test cases`);
    if (num('failures') !== count.failures) out.push(`<testsuite name="${s.attrs.name}"> failures="${s.attrs.failures}" but ${count.failures} cases fail`);
    if (num('errors') !== count.errors) out.push(`<testsuite name="${s.attrs.name}"> errors="${s.attrs.errors}" but ${count.errors} cases err`);
    if (s.attrs.skipped !== undefined && num('skipped') !== count.skipped) out.push(`<testsuite name="${s.attrs.name}"> skipped="${s.attrs.skipped}" but ${count.skipped} are skipped`);
    totals = { tests: totals.tests + cases.length, failures: totals.failures + count.failures, errors: totals.errors + count.errors };
  }
  if (root.name === 'testsuites') {
    for (const a of ['tests', 'failures', 'errors'] as const) {
      if (root.attrs[a] !== undefined && Number(root.attrs[a]) !== totals[a]) out.push(`<testsuites> ${a}="${root.attrs[a]}" but the suites add up to ${totals[a]}`);
    }
  }
  return out;
}
