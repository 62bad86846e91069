// `rdma-chaos shrink` before any run: what it refuses (one line, exit 254, nothing written), what
// it keeps (the violation's checker and pattern), where it starts (a random schedule written out
// as its planned steps) and how it judges a candidate's run. The search is in search.test.ts;
// real runs on the cluster are the acceptance bench (npm run bench:shrink).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { parseCampaign } from '../../campaign';
import { ExitCode, loadOps, RUN_FILES, type RunResults } from '../../core';
import { cli } from '../../test-support';
import { makeSyntheticRun } from '../../../reports/test-support';
import { candidateYaml, judge, withoutDefaults } from './oracle';
import { cutOf, startingPoint, suspectsOf, targetOf } from '.';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-shrink-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a run with no violation is refused in one line, exit 254, and nothing is written into it', async () => {
  const r = makeSyntheticRun({ dir: path.join(tmp, 'clean'), ops: 600, plant: [], seed: 3 });
  expect(r.results.verdict).toBe('valid');
  const before = fs.readdirSync(r.dir).sort();
  const out = await cli('shrink', r.dir);
  expect({ code: out.code, lines: out.err.trim().split('\n').length }).toEqual({ code: ExitCode.badInput, lines: 1 });
  expect(out.err).toMatch(/the run found no violation \(verdict valid\): there is nothing to shrink/);
  expect(fs.readdirSync(r.dir).sort()).toEqual(before);
});

test('a directory that is not a checked run, a bad --need or --budget: one line each, exit 254', async () => {
  const cases: [string[], RegExp][] = [
    [[tmp], /not a run directory \(no campaign\.yaml\)/],
    [[path.join(tmp, 'clean'), '--need', '4'], /--need 4 must be between 1 and --runs 3/],
    [[path.join(tmp, 'clean'), '--budget', 'soon'], /--budget soon: not a duration/],
  ];
  for (const [args, msg] of cases) {
    const out = await cli('shrink', ...args);
    expect({ args, code: out.code, err: out.err.trim() }).toEqual({ args, code: ExitCode.badInput, err: expect.stringMatching(msg) });
    expect(out.err.trim().split('\n')).toHaveLength(1);
  }
  const unchecked = path.join(tmp, 'unchecked');
  fs.mkdirSync(unchecked);
  fs.copyFileSync(path.join(tmp, 'clean', RUN_FILES.campaign), path.join(unchecked, RUN_FILES.campaign));
  expect((await cli('shrink', unchecked)).err).toMatch(/no results\.json; check it first with `rdma-chaos recheck/);
});

test('it keeps the first violation with a known pattern, and suspects the faults in place around it', () => {
  const r = makeSyntheticRun({ dir: path.join(tmp, 'fadd'), ops: 1200, plant: ['duplicateFadd'], seed: 4 });
  const t = targetOf(r.results, r.dir);
  expect(t).toMatchObject({ checker: 'at-most-once', pattern: 'duplicate FADD after failover' });
  const { ops } = loadOps(path.join(r.dir, RUN_FILES.history), 'native');
  // the planted FADD runs in the failover window, right after the ACK blackout
  expect(suspectsOf(r.results, ops, t.ops)).toEqual(['ack-loss-1', 'nic-failover-2']);
  // a long run is first tried cut after the violation (its end from the first op, plus 10 % and 5 s)
  const first = Math.min(...ops.map((op) => op.callTime ?? Infinity));
  const end = Math.max(...t.ops.map((i) => ops[i]!.retTime ?? ops[i]!.callTime!));
  const cut = cutOf(ops, t.ops, 3_600_000)!;
  expect(cut).toBeGreaterThanOrEqual(((end - first) / 1e6) * 1.1 + 5000);
  expect(cut).toBeLessThan(((end - first) / 1e6) * 1.1 + 6000 + 1000);
  // not worth it when it saves less than a third
  expect(cutOf(ops, t.ops, cut)).toBeUndefined();
});

test('a random schedule starts the search as the steps its run planned, each named as it was', () => {
  const file = path.resolve(__dirname, '../../../campaigns/random-10m.yaml');
  const text = fs.readFileSync(file, 'utf8');
  const raw = startingPoint(text, file, 42);
  const steps = (raw.faults as { timeline: { id: string; kind: string }[]; random?: unknown }).timeline;
  expect((raw.faults as { random?: unknown }).random).toBeUndefined();
  expect(steps.length).toBeGreaterThanOrEqual(10);
  expect(new Set(steps.map((s) => s.id)).size).toBe(steps.length);
  // whole milliseconds, as a person would write them
  for (const s of steps as unknown as { at: string; duration?: string }[]) expect([s.at, s.duration ?? '0ms']).toEqual([expect.stringMatching(/^\d+ms$/), expect.stringMatching(/^\d+ms$/)]);
  expect(raw.seed).toBeUndefined();
  // still a campaign the loader takes
  const c = parseCampaign('start.yaml', JSON.stringify(raw));
  expect(c.faults.timeline).toHaveLength(steps.length);
  expect(parse(text).faults.random).toBeDefined();
});

test('a candidate run counts only with the same checker and pattern and every fault in effect', () => {
  const base = { checks: [{ checker: 'linearizable (cas-register)', verdict: 'invalid', ms: 1, summary: '', violations: [{ kind: 'nonlinearizable', message: '', ops: [1], pattern: 'CAS double success' }] }], faults: [{ id: 'f1', kind: 'ack-loss', targets: ['node2'], phase: 'NotInjected', confirmation: { status: 'confirmed', evidence: 'dropped 3' } }], verdict: 'invalid' } as unknown as RunResults;
  const t = { checker: 'linearizable (cas-register)', pattern: 'CAS double success', kind: 'nonlinearizable' };
  expect(judge(base, t)).toEqual({ reproduced: true });
  expect(judge(base, { ...t, checker: 'at-most-once' })).toMatchObject({ reproduced: false, why: expect.stringMatching(/^no CAS double success from at-most-once \(saw linearizable/) });
  const off = { ...base, faults: [{ ...base.faults[0]!, confirmation: { status: 'mismatch', evidence: 'dropped nothing' } }] } as RunResults;
  expect(judge(off, t)).toEqual({ reproduced: false, why: 'fault f1 did not take effect (mismatch)' });
});

test('given the history, the violation kept is the one that ended first (the shortest cut)', () => {
  const v = (ops: number[]) => ({ kind: 'duplicate', message: '', ops, pattern: 'duplicate FADD after failover' });
  const r = { checks: [{ checker: 'at-most-once', verdict: 'invalid', ms: 1, summary: '', violations: [v([1]), v([0])] }], verdict: 'invalid' } as unknown as RunResults;
  const ops = [{ callTime: 10, retTime: 20 }, { callTime: 500, retTime: 900 }] as unknown as Parameters<typeof targetOf>[2];
  expect(targetOf(r, 'run').ops).toEqual([1]);
  expect(targetOf(r, 'run', ops).ops).toEqual([0]);
});

test('the campaign written leaves out what the loader fills in anyway, and reads the same', () => {
  const file = path.resolve(__dirname, '../../../campaigns/shift/cas-replay.yaml');
  const read = (x: Record<string, unknown>) => parseCampaign('x.yaml', candidateYaml(x));
  // a stored run's campaign: every default written out
  const full = JSON.parse(JSON.stringify(parseCampaign(file, fs.readFileSync(file, 'utf8')))) as Record<string, unknown>;
  const slim = withoutDefaults(full, read);
  expect(read(slim)).toEqual(read(full));
  expect(candidateYaml(slim).split('\n').length).toBeLessThan(candidateYaml(full).split('\n').length - 8);
  const qp = slim.qp as Record<string, unknown>;
  expect(qp).toEqual({ timeout: 18, retry_cnt: 7 });
  expect((slim.workloads as Record<string, unknown>[])[0]).not.toHaveProperty('concurrency');
  expect((slim.workloads as Record<string, unknown>[])[0]).toMatchObject({ workload: 'cas-register', clients: ['node2', 'node3'], depth: 1 });
  // the cluster and the fault steps, which the search cuts and narrows, stay as they were
  expect(slim.cluster).toEqual(full.cluster);
  expect(slim.faults).toEqual(full.faults);
});
