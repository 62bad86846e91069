// A controller SIGKILLed mid-run leaves a run directory with history.jsonl (maybe a torn last
// line), its owner.json and no results.json. It is told from a run in progress by its owner's
// PID and start time, found, checked with its open ops indeterminate and its unhealed faults
// listed as such, and marked incomplete.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Campaign, planRun } from '../campaign';
import { currentOwner, findInterruptedRuns, OWNER_FILE, procStat, readResults, readRunOwner, RUN_FILES, writeRunOwner, type RunOwner } from '../core';
import { cli } from '../test-support';
import { INTERRUPTED, markInterrupted, markInterruptedRuns, recheckRun } from './recheck';
import { checkStage, type RunMeta } from './check';
import { createRunDir, storeResults } from './store';

let store: string;
beforeAll(() => (store = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-interrupted-'))));
afterAll(() => fs.rmSync(store, { recursive: true, force: true }));

const plan = planRun(Campaign.parse({ name: 'killed', duration: '1s', workloads: [{ workload: 'counter', target: 'node1' }] }), 7);
const TORN = '{"type":"ok","process":2,"f":"fad';

/**
 * What a killed counter run leaves: fault f1 applied and never healed, f2 asked for and never
 * answered, a FADD of 4 still open when the controller died, and a torn last line. The two
 * reads (1, then 5) are linearizable only if the open FADD may take effect between them.
 */
function killedRun(now: Date): { dir: string; history: string } {
  const rd = createRunDir(store, plan, now);
  rd.close();
  const fault = (id: string): object => ({ id, kind: 'partition', targets: ['node2'] });
  const ev = [
    { type: 'invoke', process: 'nemesis', f: 'start', fault: fault('f1'), time: 500 },
    { type: 'ok', process: 'nemesis', f: 'start', fault: fault('f1'), time: 600 },
    { type: 'invoke', process: 1, f: 'fadd', node: 'node2', key: 'counter@0', value: 1, time: 1000 },
    { type: 'ok', process: 1, f: 'fadd', node: 'node2', key: 'counter@0', value: 1, result: 0, time: 2000 },
    { type: 'invoke', process: 'nemesis', f: 'start', fault: fault('f2'), time: 2500 },
    { type: 'invoke', process: 2, f: 'fadd', node: 'node3', key: 'counter@0', value: 4, time: 3000 },
    { type: 'invoke', process: 3, f: 'read', node: 'node2', key: 'counter@0', time: 4000 },
    { type: 'ok', process: 3, f: 'read', node: 'node2', key: 'counter@0', result: 1, time: 4100 },
    { type: 'invoke', process: 4, f: 'read', node: 'node3', key: 'counter@0', time: 5000 },
    { type: 'ok', process: 4, f: 'read', node: 'node3', key: 'counter@0', result: 5, time: 5100 },
  ];
  const history = path.join(rd.dir, RUN_FILES.history);
  fs.writeFileSync(history, ev.map((e) => JSON.stringify(e) + '\n').join('') + TORN);
  return { dir: rd.dir, history };
}

/** DIR's owner record, made a process that has exited: one this test spawned and waited for */
async function deadOwner(dir: string): Promise<RunOwner> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const pid = child.pid!;
  const st = procStat(pid);
  if (!st) throw new Error('the child is gone before it could be identified');
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return { ...readRunOwner(dir)!, pid, starttime: st.starttime };
}

test('a run in progress (this process owns it) is neither found nor rechecked', () => {
  const { dir } = killedRun(new Date(Date.UTC(2026, 0, 1)));
  expect(JSON.parse(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8'))).toMatchObject({ pid: process.pid, host: os.hostname() });
  expect(findInterruptedRuns(store)).not.toContain(dir);
  expect(() => recheckRun(dir)).toThrow(expect.objectContaining({ code: 'run.inProgress', exitCode: 254 }));
  expect(fs.existsSync(path.join(dir, RUN_FILES.results))).toBe(false);
  // a recycled PID is not the owner: same pid, another start time
  writeRunOwner(dir, { ...currentOwner(), starttime: currentOwner().starttime + 1 });
  expect(findInterruptedRuns(store)).toContain(dir);
  // the machine rebooted since (another boot id): whoever it was is gone
  writeRunOwner(dir, { ...currentOwner(), bootId: 'another-boot' });
  expect(findInterruptedRuns(store)).toContain(dir);
  // another host's run on a shared store cannot be judged from here
  writeRunOwner(dir, { ...currentOwner(), host: 'elsewhere.example', starttime: 1 });
  expect(findInterruptedRuns(store)).not.toContain(dir);
  fs.rmSync(dir, { recursive: true });
});

test('killed before it recorded anything: checked from an empty history, unknown and incomplete', async () => {
  const { dir, history } = killedRun(new Date(Date.UTC(2026, 0, 1, 12)));
  fs.rmSync(history);
  writeRunOwner(dir, await deadOwner(dir));
  const r = markInterrupted(dir, { timeoutMs: 10_000 });
  expect(r).toMatchObject({ incomplete: true, verdict: 'unknown', faults: [] });
  expect(fs.readFileSync(history, 'utf8')).toBe('');
  // without an owner nothing says it was a run: refused as before
  fs.rmSync(path.join(dir, RUN_FILES.results));
  fs.rmSync(history);
  expect(() => recheckRun(dir)).toThrow(expect.objectContaining({ code: 'run.notARun' }));
  fs.rmSync(dir, { recursive: true });
});

test('a dead owner and no results.json: found, checked with open ops indeterminate, marked incomplete', async () => {
  const { dir, history } = killedRun(new Date(Date.UTC(2026, 0, 2)));
  writeRunOwner(dir, await deadOwner(dir));
  expect(findInterruptedRuns(store)).toEqual([dir]);
  const before = fs.readFileSync(history);

  const r = markInterrupted(dir, { timeoutMs: 10_000 });
  expect(r).toMatchObject({ incomplete: true, incompleteReason: INTERRUPTED, verdict: 'valid', clean: false });
  // the open FADD counts as info; the torn line is named
  expect(r.stats[0]).toMatchObject({ ok: 3, info: 1 });
  expect(r.notes).toEqual(expect.arrayContaining([INTERRUPTED, `${history}:11: torn last line (no newline, not valid JSON) dropped: the writer was interrupted`]));
  expect(r.faults.map((f) => [f.id, f.phase])).toEqual([['f1', 'Injected'], ['f2', 'Unknown']]);
  expect(r.startedAt).toBe('2026-01-02T00:00:00.000Z');

  // stored, the owner gone, the history untouched; a later recheck keeps it incomplete
  expect(readResults(path.join(dir, RUN_FILES.results))).toMatchObject({ incomplete: true, verdict: 'valid' });
  expect(fs.existsSync(path.join(dir, OWNER_FILE))).toBe(false);
  expect(fs.readFileSync(history).equals(before)).toBe(true);
  expect(findInterruptedRuns(store)).toEqual([]);
  expect(recheckRun(dir, { timeoutMs: 10_000 })).toMatchObject({ incomplete: true, incompleteReason: INTERRUPTED });
  expect(() => markInterrupted(dir)).toThrow(expect.objectContaining({ code: 'run.notInterrupted' }));
});

test('open ops are what makes it valid: the same history with the FADD failed is invalid', async () => {
  const { dir, history } = killedRun(new Date(Date.UTC(2026, 0, 3)));
  writeRunOwner(dir, await deadOwner(dir));
  const failed = JSON.stringify({ type: 'fail', process: 2, f: 'fadd', node: 'node3', key: 'counter@0', value: 4, error: 'IBV_WC_RETRY_EXC_ERR', time: 3500 });
  const lines = fs.readFileSync(history, 'utf8').split('\n');
  lines.splice(6, 0, failed);
  fs.writeFileSync(history, lines.join('\n'));
  expect(markInterrupted(dir, { timeoutMs: 10_000 })).toMatchObject({ incomplete: true, verdict: 'invalid' });
});

test('markInterruptedRuns checks every interrupted run of a store, and one broken directory stops none', async () => {
  const a = killedRun(new Date(Date.UTC(2026, 0, 4)));
  const b = killedRun(new Date(Date.UTC(2026, 0, 5)));
  writeRunOwner(a.dir, await deadOwner(a.dir));
  writeRunOwner(b.dir, await deadOwner(b.dir));
  fs.writeFileSync(b.history, '{"type":"ok"}\n'); // a bad event: bad input, reported for that run only
  const lines: string[] = [];
  const out = markInterruptedRuns(store, { timeoutMs: 10_000, log: (l) => lines.push(l) });
  expect(out.map((m) => [m.dir, m.results?.verdict, m.error !== undefined])).toEqual([
    [a.dir, 'valid', false],
    [b.dir, undefined, true],
  ]);
  expect(lines[1]).toMatch(/interrupted run not checked: .*history\.jsonl:1: /);
  expect(findInterruptedRuns(store)).toEqual([b.dir]);
  fs.rmSync(b.dir, { recursive: true });
});

test('a run that ends writes results.json and drops its owner; `recheck` of a dir without results says incomplete', async () => {
  const done = killedRun(new Date(Date.UTC(2026, 0, 6)));
  const meta: RunMeta = {
    campaign: plan.campaign, seed: 7, startedAt: '', endedAt: '', durationMs: 0,
    cluster: { driver: 'local', nodes: plan.nodes, rails: 1 }, faults: [], findings: [], clean: true, notes: [],
  };
  storeResults(done.dir, checkStage(done.dir, meta, 10_000));
  expect(fs.existsSync(path.join(done.dir, OWNER_FILE))).toBe(false);
  expect(readResults(path.join(done.dir, RUN_FILES.results)).incomplete).toBeUndefined();
  expect(findInterruptedRuns(store)).not.toContain(done.dir);

  const { dir } = killedRun(new Date(Date.UTC(2026, 0, 7)));
  fs.rmSync(path.join(dir, OWNER_FILE)); // a run from before owners were written
  expect(findInterruptedRuns(store)).not.toContain(dir);
  const r = await cli('recheck', '--json', dir);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.out)).toMatchObject({ verdict: 'valid', incomplete: true, incompleteReason: INTERRUPTED, clean: false });
  const text = await cli('recheck', dir);
  expect(text.out).toContain(`  INCOMPLETE: ${INTERRUPTED}\n`);
});
