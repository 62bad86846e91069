// The suite loader (`rdma-chaos nightly SUITE`): globs, repetitions, seeds, bad input with
// file:line:field, and a fuzz of mutated suites (data and text): a suite, or one clear line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { clearOrValid, fuzzParams, mutatedText, mutatedValue } from '../test-support';
import { loadSuite, parseSuite, suiteSeed } from '.';

const ROOT = path.resolve(__dirname, '../..');
let dir: string;
const CAMPAIGN = (name: string, extra = ''): string => `name: ${name}\nduration: 5s\ncluster: { nodes: 2, rails: 1 }\nworkloads: [{ workload: counter, target: node1, clients: [node2] }]\n${extra}`;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-suite-'));
  fs.mkdirSync(path.join(dir, 'm'));
  fs.writeFileSync(path.join(dir, 'm', 'a.yaml'), CAMPAIGN('a', 'seed: 42\n'));
  fs.writeFileSync(path.join(dir, 'm', 'b.yaml'), CAMPAIGN('b'));
  fs.writeFileSync(path.join(dir, 'c.yaml'), CAMPAIGN('c', 'expect: { verdict: valid }\n'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const suiteAt = (text: string): ReturnType<typeof parseSuite> => parseSuite(path.join(dir, 'suite.yaml'), text);

test('the shipped nightly matrix loads: every campaign once, 3 repetitions, a 6 h budget', () => {
  const s = loadSuite(path.join(ROOT, 'campaigns', 'nightly'));
  expect(s.name).toBe('nightly');
  expect(s.budgetMs).toBe(6 * 3600_000);
  expect(s.entries.length).toBeGreaterThanOrEqual(30);
  expect(new Set(s.entries.map((e) => e.campaign)).size).toBe(s.entries.length);
  expect(s.entries.every((e) => e.repetitions === 3 && e.seeds === 'fresh')).toBe(true);
  // the matrix names every workload and policy it claims to cover
  const text = s.entries.map((e) => fs.readFileSync(e.file, 'utf8')).join('\n');
  for (const w of ['counter', 'cas-register', 'register', 'send-stream']) expect(text).toContain(`workload: ${w}`);
  for (const p of ['none', 'replay', 'shift', 'read-verify']) expect(text).toContain(`policy: ${p}`);
  for (const f of ['packet-loss', 'ack-loss', 'nic-failover', 'partition', 'crash']) expect(text).toContain(`kind: ${f}`);
});

test('globs relative to the suite, per-entry repetitions and seeds, timeouts', () => {
  const s = suiteAt('name: t\nrepetitions: 2\ncampaigns:\n  - "m/*.yaml"\n  - { file: c.yaml, repetitions: 3, seeds: [1, 2, 3], timeout: 1m }\n');
  expect(s.entries.map((e) => [e.campaign, e.repetitions])).toEqual([['a', 2], ['b', 2], ['c', 3]]);
  expect(s.entries[2]!.timeoutMs).toBe(60_000);
  // the default timeout: twice the duration plus 10 minutes
  expect(s.entries[0]!.timeoutMs).toBe(2 * 5000 + 600_000);
  expect([1, 2, 3].map((r) => suiteSeed(s.entries[2]!, r, () => 99))).toEqual([1, 2, 3]);
  expect(suiteSeed(s.entries[0]!, 1, () => 99)).toBe(99);
});

test('seeds: campaign uses the campaign seed where there is one, a number fixes it', () => {
  const s = suiteAt('name: t\nseeds: campaign\ncampaigns: ["m/*.yaml"]\n');
  expect(s.entries.map((e) => suiteSeed(e, 1, () => 7))).toEqual([42, 7]);
  const f = suiteAt('name: t\nseeds: 5\ncampaigns: ["m/a.yaml"]\n');
  expect(suiteSeed(f.entries[0]!, 2, () => 7)).toBe(5);
});

test('a directory is a suite of its campaigns', () => {
  const s = loadSuite(path.join(dir, 'm'));
  expect(s.name).toBe('m');
  expect(s.entries.map((e) => e.campaign)).toEqual(['a', 'b']);
});

test.each([
  ['campaigns: ["m/a.yaml"]\n', /suite\.yaml:1: .*name/],
  ['name: t\ncampaigns: ["nothing/*.yaml"]\n', /suite\.yaml:2: campaigns\[0\]: nothing\/\*\.yaml: matches no file/],
  ['name: t\ncampaigns:\n  - m/a.yaml\n  - missing.yaml\n', /suite\.yaml:4: campaigns\[1\]: missing\.yaml: no such file/],
  ['name: t\ncampaigns:\n  - { file: m/a.yaml, repetitions: 2, seeds: [1] }\n', /suite\.yaml:3: campaigns\[0\]\.seeds: 1 seeds for 2 repetitions/],
  ['name: t\nbudget: soon\ncampaigns: ["m/a.yaml"]\n', /suite\.yaml:2: budget/],
  ['name: t\ncampaigns: ["m/a.yaml", "m/*.yaml"]\n', /listed twice/],
  ['name: t\nbogus: 1\ncampaigns: ["m/a.yaml"]\n', /suite\.yaml:2: unknown field "bogus"/],
])('bad suite %#: one line naming the file, line and field', (text, want) => {
  const { error } = clearOrValid(() => suiteAt(text), /^suite\./);
  expect(error?.message).toMatch(want);
  expect(error?.message).not.toContain('\n');
});

test('a bad campaign in the suite is refused with its own file and line', () => {
  fs.writeFileSync(path.join(dir, 'bad.yaml'), CAMPAIGN('bad').replace('duration: 5s', 'duration: forever'));
  const { error } = clearOrValid(() => suiteAt('name: t\ncampaigns: [bad.yaml]\n'), /^campaign\./);
  expect(error?.message).toMatch(/bad\.yaml:2: duration/);
  fs.rmSync(path.join(dir, 'bad.yaml'));
});

describe('fuzz', () => {
  const texts = [
    'name: t\nrepetitions: 2\nseeds: fresh\nbudget: 1h\ncampaigns:\n  - "m/*.yaml"\n  - { file: c.yaml, repetitions: 3, seeds: [1, 2, 3], timeout: 1m }\n',
    'name: u\ncluster: local\nseeds: campaign\ntimeout: 30s\ncampaigns: [m/a.yaml, c.yaml]\n',
  ];
  const values = texts.map((t) => parse(t) as unknown);

  test('mutated suite data: a suite or a clear error', () => {
    let refused = 0;
    fc.assert(
      fc.property(mutatedValue(values), (v) => {
        if (clearOrValid(() => suiteAt(stringify(v)), /^(suite|campaign)\./).error) refused++;
      }),
      fuzzParams(1701),
    );
    // the mutations reach past the first check, and some are refused
    expect(refused).toBeGreaterThan(1000);
    expect(refused).toBeLessThan(9900);
  });

  test('mutated suite text: a suite or a clear error', () => {
    fc.assert(fc.property(mutatedText(texts), (t) => void clearOrValid(() => suiteAt(t), /^(suite|campaign)\./)), fuzzParams(1702));
  });
});
