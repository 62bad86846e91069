// Fuzzing the campaign loader (issue 16): mutations of every shipped campaign, as data (fields
// deleted, retyped, renamed, repeated) and as text (bytes flipped, cuts, NULs, YAML anchors and
// tags). Each one loads and plans, or is refused with one clear line: never a crash or a hang.
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { clearOrValid, fuzzParams, mutatedText, mutatedValue } from '../test-support';
import { describePlan, parseCampaign, planJson, planRun } from '.';

const ROOT = path.resolve(__dirname, '../..');
const files = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(d, e.name)) : e.name.endsWith('.yaml') && e.name !== 'suite.yaml' ? [path.join(d, e.name)] : []));
const texts = files(path.join(ROOT, 'campaigns')).map((f) => fs.readFileSync(f, 'utf8'));
// the random schedule in its shortest form, so mutations of its knobs reach the planner
texts.push('name: r\nduration: 30s\nworkloads: [{ workload: counter }]\nfaults: { random: { interval: 5s, duration: [1s, 2s], kinds: [ack-loss, pause] } }\n');
const values = texts.map((t) => parse(t) as unknown);

/** what `run --dry-run` does with a campaign: load, plan, print */
function loadAndPlan(text: string): void {
  const c = parseCampaign('c.yaml', text);
  const plan = planRun(c, 7);
  describePlan(plan);
  JSON.stringify(planJson(plan));
}

test('every shipped campaign loads (the fuzz starts from valid input)', () => {
  expect(texts.length).toBeGreaterThanOrEqual(12);
  for (const t of texts) expect(() => loadAndPlan(t)).not.toThrow();
});

test('mutated campaign data: a plan or a clear error', () => {
  let refused = 0;
  fc.assert(
    fc.property(mutatedValue(values), (v) => {
      if (clearOrValid(() => loadAndPlan(stringify(v)), /^campaign\./).error) refused++;
    }),
    fuzzParams(1601),
  );
  // the mutations must reach past the first check, and be refused too
  expect(refused).toBeGreaterThan(1000);
  expect(refused).toBeLessThan(9900);
});

test('mutated campaign text: a plan or a clear error', () => {
  fc.assert(
    fc.property(mutatedText(texts), (t) => {
      clearOrValid(() => loadAndPlan(t), /^campaign\./);
    }),
    fuzzParams(1602),
  );
});

// what the fuzz found, kept as plain cases
describe('fuzz-found inputs', () => {
  const random = (knobs: string): string => `name: r\nduration: 30s\nworkloads: [{ workload: counter }]\nfaults: { random: { ${knobs} } }\n`;
  const refused = (text: string): string => {
    const { error } = clearOrValid(() => loadAndPlan(text), /^campaign\./);
    expect(error).toBeDefined();
    return error!.message;
  };
  // the planner stepped through the run 0 ms at a time: `run --dry-run` never returned
  it('refuses a random interval of 0 instead of planning forever', () => {
    expect(refused(random('interval: 0'))).toMatch(/^c\.yaml:4: faults\.random\.interval: at least 100ms between random faults$/);
    expect(refused(random('interval: 0ms'))).toMatch(/faults\.random\.interval: at least 100ms/);
  });
  it('refuses a schedule of more than 100,000 slots (a month at 1 s)', () => {
    expect(refused(random('interval: 1s').replace('duration: 30s', 'duration: 720h'))).toMatch(/faults\.random\.interval: 100000 random fault slots at most/);
    expect(() => loadAndPlan(random('interval: 1s').replace('duration: 30s', 'duration: 2h'))).not.toThrow();
  });
  // a CR inside an unknown key broke the one-line message
  it('quotes control characters in a key instead of printing them', () => {
    expect(refused('name: t\nduration: 1s\nworkloads: [{ workload: counter }]\nqp:\n  "\\r timeout": 3\n')).toBe('c.yaml:5: qp: unknown field "\\r timeout"');
  });
  // the YAML library recursed 10,000 deep: a stack overflow it reported as a parse error, and
  // in one process (the fuzz's, after earlier deep cases) V8 died compiling a regexp (exit 134)
  it('refuses nesting deeper than 100 levels before the YAML parser sees it', () => {
    const deep = (d: number): string => `${'['.repeat(d)}1${']'.repeat(d)}`;
    expect(refused(`name: t\nduration: 1s\nworkloads: [{ workload: counter }]\ndescription: ${deep(10_000)}\n`)).toBe('c.yaml:4: nested deeper than 100 levels');
    expect(refused(`name: t\nduration: 1s\nworkloads: [{ workload: counter }]\ndescription:\n  ${'- '.repeat(20_000)}1\n`)).toBe('c.yaml:5: nested deeper than 100 levels');
    // quoted brackets are text, not nesting
    expect(() => loadAndPlan(`name: t\nduration: 1s\nworkloads: [{ workload: counter }]\ndescription: "${'['.repeat(500)}" # ${'{'.repeat(500)}\n`)).not.toThrow();
  });
  // doc.toJS() threw a ReferenceError out of the loader
  it('refuses an alias to an anchor that comes later, and an alias bomb', () => {
    expect(refused('name: *n\nduration: &n 1s\nworkloads: [{ workload: counter }]\n')).toMatch(/^c\.yaml: invalid YAML: Unresolved alias/);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
    expect(refused(`${bomb}\nname: t\nduration: 1s\nworkloads: [{ workload: counter }]\n`)).toMatch(/^c\.yaml: invalid YAML: Excessive alias count/);
  });
});
