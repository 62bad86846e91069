// `run --replay RUN_DIR` repeats a stored run's schedule: the plan rebuilt from the run
// directory's campaign.yaml (written by the same code a real run uses) equals the original plan
// fault for fault (kind, target, start, stop, params, seed) and process for process. Checked on
// plans (`--dry-run --json`), so no cluster is needed; the real 10-minute run checks its stored
// directory the same way (random-campaign.test.ts). Also: run options that are bad input are
// refused before anything starts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRunDir, planStage } from '.';
import { FAULT_KINDS } from '../../faults';
import type { PlanJson } from '../campaign';
import { ExitCode } from '../core';
import { cli } from '../test-support';

const ROOT = path.resolve(__dirname, '../..');
const RANDOM = path.join(ROOT, 'campaigns/random-10m.yaml');
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-replay-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function plan(args: string[]): Promise<PlanJson> {
  const r = await cli('run', ...args, '--dry-run', '--json');
  expect(r).toMatchObject({ code: ExitCode.valid, err: '' });
  return JSON.parse(r.out) as PlanJson;
}

/** a run directory as `run` creates it before the cluster work starts */
function storedRun(campaignFile: string, seed?: number): string {
  const rd = createRunDir(path.join(tmp, 'store'), planStage({ campaignFile, ...(seed !== undefined ? { seed } : {}) }));
  rd.close();
  return rd.dir;
}

test('the random 10-minute campaign: a seeded schedule of every fault kind, replayed identically', async () => {
  const a = await plan([RANDOM]);
  expect(a.seed).toBe(20261121);
  expect(a.nodes).toEqual(['node1', 'node2', 'node3']);
  expect(new Set(a.faults.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
  for (const f of a.faults) {
    expect(a.nodes).toContain(f.target);
    expect(f.stopMs).not.toBeNull();
    expect(f.startMs).toBeLessThan(f.stopMs!);
    expect(f.stopMs!).toBeLessThanOrEqual(a.durationMs);
  }
  // planning again from the file gives the same schedule (nothing depends on the clock)
  expect(await plan([RANDOM])).toEqual(a);

  const dir = storedRun(RANDOM);
  const b = await plan(['--replay', dir]);
  expect(b).toEqual(a);

  // a different seed is a different schedule, and its replay repeats that one
  const c = await plan([RANDOM, '--seed', '7']);
  expect(c.faults.map((f) => [f.kind, f.target, f.startMs])).not.toEqual(a.faults.map((f) => [f.kind, f.target, f.startMs]));
  expect(await plan(['--replay', storedRun(RANDOM, 7)])).toEqual(c);
  // --seed on a replay overrides the stored one
  expect(await plan(['--replay', dir, '--seed', '7'])).toEqual(c);
});

test('each shift campaign replays to its own plan', async () => {
  const dir = path.join(ROOT, 'campaigns/shift');
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
    const file = path.join(dir, f);
    const a = await plan([file, '--seed', '11']);
    expect(await plan(['--replay', storedRun(file, 11)])).toEqual(a);
  }
});

test('the text plan lists every fault window', async () => {
  const r = await cli('run', RANDOM, '--dry-run');
  expect(r.code).toBe(ExitCode.valid);
  const p = await plan([RANDOM]);
  expect(r.out).toContain(`campaign random-10m, seed ${p.seed}`);
  expect(r.out).toContain(`faults (${p.faults.length}):`);
});

test('bad run options are refused before anything starts', async () => {
  const bad = await cli('run', RANDOM, '--dry-run', '--influx', 'http://chaos:hunter2@127.0.0.1:8086/db');
  expect(bad.code).toBe(ExitCode.badInput);
  expect(bad.err).toContain('influx.credentialsInUrl');
  expect(bad.err).not.toContain('hunter2');
  expect((await cli('run', RANDOM, '--dry-run', '--influx', 'not a url')).code).toBe(ExitCode.badInput);
  const junit = await cli('run', RANDOM, '--junit', path.join(tmp, 'no/such/dir/junit.xml'));
  expect(junit.code).toBe(ExitCode.badInput);
  expect(junit.err).toContain('--junit');
  const both = await cli('run', RANDOM, '--replay', tmp);
  expect(both.code).toBe(ExitCode.badInput);
  const notARun = await cli('run', '--replay', tmp, '--dry-run');
  expect(notARun.code).toBe(ExitCode.badInput);
  expect(notARun.err).toContain('not a run directory');
});
