// Campaign acceptance (issue 5, points 1-5): every campaigns/shift/*.yaml runs for real on the
// shared SoftRoCE cluster through the CLI (`rdma-chaos run`, in-process) and must give its
// expected verdict AND the specific finding: which checker, which failure pattern, and the
// evidence in the history (re-posted ops, indeterminate ops, failed-over traffic). After every
// run the cluster must read healed and the history must be intact.
//
// The same runs also carry issue 6's real-run checks, so they cost no extra cluster time:
// fadd-replay runs with --report --junit --influx (points queried back, streamed while the
// workers still ran) and its report is opened in headless Chromium; fadd-none runs with
// --influx against an influxd that is killed mid-run (one warning, same verdict, intact history).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { junitProblems, loadRun } from '../../reports';
import { checkExplained, checkShowViolation, checkSummary, checkTimeline, influxQuery, launchChromium, openReport, startInfluxd, type Influxd, type WatchedPage } from '../../reports/test-support';
import { acquireSharedCluster, type SharedCluster } from '../cluster/test-support';
import type { HistoryEvent } from '../core';
import { ExitCode, RUN_FILES, type RunResults } from '../core';
import { runCli } from '../main';
import { historyIntegrity, nodeState, waitHealed, type NodeState } from './test-support';

jest.setTimeout(15 * 60_000);

const ROOT = path.resolve(__dirname, '../..');
const SHIFT = path.join(ROOT, 'campaigns/shift');
// kept after the run: CI keeps test-artifacts/ (histories, reports, logs of each campaign)
const STORE = path.join(ROOT, 'test-artifacts/campaign-runs');

let cluster: SharedCluster;
const baseline = new Map<string, NodeState>();
let influxd: Influxd | undefined;

beforeAll(async () => {
  fs.rmSync(STORE, { recursive: true, force: true });
  fs.mkdirSync(STORE, { recursive: true });
  cluster = await acquireSharedCluster({ nodes: 3, rails: 2 });
  for (const n of cluster.nodes) baseline.set(n, await nodeState(cluster.driver, n));
  influxd = await startInfluxd();

  // the shared cluster is held by one test file at a time: waiting for it is not this file's time
}, 75 * 60_000);

afterAll(async () => {
  await influxd?.stop();
  await cluster?.release();
});

interface Run {
  code: number;
  out: string;
  err: string;
  dir: string;
  results: RunResults;
  /** client events of history.jsonl (final snapshot reads excluded) */
  events: HistoryEvent[];
  /** nemesis events that took effect: fault id + start/stop -> history time */
  faultAt: Map<string, number>;
}

/** `rdma-chaos run FILE --store STORE --json ...`, in-process; then the cluster must be healed */
async function run(name: string, extra: string[] = [], during?: (done: () => boolean) => Promise<void>): Promise<Run> {
  let out = '';
  let err = '';
  const log = fs.createWriteStream(path.join(STORE, `${name}.stderr.log`));
  let finished = false;
  const p = runCli(['run', path.join(SHIFT, `${name}.yaml`), '--store', STORE, '--json', ...extra], {
    stdout: { write: (s: string) => (out += s) },
    stderr: {
      write: (s: string) => {
        err += s;
        return log.write(s);
      },
    },
  }).finally(() => {
    finished = true;
  });
  const [code] = await Promise.all([p, during?.(() => finished)]);
  log.end();
  const json = out.trim().split('\n').pop() ?? '';
  if (!json.startsWith('{')) throw new Error(`${name}: no JSON summary (exit ${code}):\n${err.slice(-3000)}`);
  const dir = (JSON.parse(json) as { dir: string }).dir;
  const results = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.results), 'utf8')) as RunResults;
  const events: HistoryEvent[] = [];
  const faultAt = new Map<string, number>();
  for (const line of fs.readFileSync(path.join(dir, RUN_FILES.history), 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as HistoryEvent;
    if (e.process === 'nemesis') {
      if (e.type === 'ok' && e.fault && e.time !== undefined) faultAt.set(`${e.fault.id}:${e.f}`, e.time);
    } else if (!e.final) events.push(e);
  }
  return { code, out, err, dir, results, events, faultAt };
}

/** every run: exit code by verdict, clean teardown, intact history, healed cluster */
async function common(r: Run, name: string): Promise<void> {
  const { code, dir, results } = r;
  expect({ name, code }).toEqual({ name, code: { valid: ExitCode.valid, invalid: ExitCode.invalid, unknown: ExitCode.unknown }[results.verdict] });
  expect(results.clean).toBe(true);
  for (const f of results.faults) expect({ id: f.id, phase: f.phase, started: f.start !== undefined }).toEqual({ id: f.id, phase: 'NotInjected', started: true });
  // issue 14: each fault's evidence shows it took effect (nft drop counters, the pulled link read down)
  for (const f of results.faults) expect({ name, id: f.id, status: f.confirmation?.status, evidence: f.confirmation?.evidence }).toEqual({ name, id: f.id, status: 'confirmed', evidence: expect.stringMatching(/^(dropped [1-9]|rail \d link up -> (lowerlayer)?down)/) });
  // issue 14: a named violation is explained by its result, from this run's sender view and memory
  for (const v of results.checks.flatMap((c) => c.violations).filter((x) => x.pattern)) {
    const explained = { result: expect.any(String), statement: expect.any(String), unavoidable: expect.stringMatching(/^No (transparent failover|read-only check)/), sender: expect.arrayContaining([expect.stringMatching(/^op \d+ /)]), executed: expect.arrayContaining([expect.any(String)]) };
    expect({ name, pattern: v.pattern, explained: v.explained }).toEqual({ name, pattern: v.pattern, explained });
  }
  expect(results.infrastructureFault).toBeUndefined();
  const h = historyIntegrity(path.join(dir, RUN_FILES.history));
  expect(h.problems).toEqual([]);
  const total = results.stats.reduce((a, s) => ({ ok: a.ok + s.ok, fail: a.fail + s.fail, info: a.info + s.info }), { ok: 0, fail: 0, info: 0 });
  expect({ ok: h.ok, fail: h.fail, info: h.info }).toEqual(total);
  expect(h.clientOps).toBeGreaterThan(100);
  expect(await waitHealed(cluster.driver, cluster.nodes, baseline)).toEqual({});
}

function check(r: Run, prefix: string): RunResults['checks'][number] {
  const c = r.results.checks.find((k) => k.checker.startsWith(prefix));
  if (!c) throw new Error(`no ${prefix} check in ${r.results.checks.map((k) => k.checker).join(', ')}`);
  return c;
}

/** completions of client ops; `time` of the completion event */
function completions(r: Run): HistoryEvent[] {
  return r.events.filter((e) => e.type !== 'invoke');
}

/**
 * ops of kind `f` that completed info with a verbs error, invoked before the failover took
 * effect and completed after the ACK blackout did: the ops in flight at the fault. (History
 * times are widened by the clock-sync uncertainty, so these bounds hold whenever the true ones do.)
 */
function indeterminate(r: Run, f: string): HistoryEvent[] {
  const blackout = r.faultAt.get('f1-ack-loss:start')!;
  const failover = r.faultAt.get('f2-nic-failover:start')!;
  const invokedAt = new Map<number, number>();
  const out: HistoryEvent[] = [];
  for (const e of r.events) {
    if (e.type === 'invoke') invokedAt.set(e.process as number, e.time!);
    else if (e.f === f && e.type === 'info') {
      expect(e.error).toMatch(/^IBV_/);
      if (invokedAt.get(e.process as number)! < failover && e.time! > blackout) out.push(e);
    }
  }
  return out;
}

const patterns = (c: RunResults['checks'][number]): string[] => c.violations.map((v) => v.pattern ?? `(${v.kind})`);
const reposted = (r: Run): HistoryEvent[] => r.events.filter((e) => e.rdma?.repost === true);
const epochs = (r: Run): Set<number> => new Set(completions(r).map((e) => e.rdma?.epoch).filter((x): x is number => x !== undefined));

/** polls an InfluxQL count until it is non-zero; returns when it first was (ms), or undefined */
async function firstPoints(db: Influxd, database: string, done: () => boolean): Promise<number | undefined> {
  while (!done()) {
    try {
      const s = await influxQuery(db.url, database, 'SELECT count(ops_per_sec) FROM rdma_chaos_ops');
      if (Number(s[0]?.values[0]?.[1] ?? 0) > 0) return Date.now();
    } catch {
      /* the database is created by the first write */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return undefined;
}

const runs = new Map<string, Run>();
/** when the live run's first points were in InfluxDB; when the other run's influxd was killed */
let liveFirstPoints: number | undefined;
let killedAt: number | undefined;

// Each campaign's specific finding. A campaign file without an entry here fails the suite.
const FINDINGS: Record<string, (r: Run) => void | Promise<void>> = {
  'fadd-replay': (r) => {
    expect(r.results.verdict).toBe('invalid');
    // a duplicate FADD, found by at-most-once from the final counter values
    const amo = check(r, 'at-most-once');
    expect(amo.verdict).toBe('invalid');
    expect(amo.violations.filter((v) => v.kind === 'duplicate' && v.pattern === 'duplicate FADD after failover').length).toBeGreaterThan(0);
    expect(amo.violations[0]!.message).toMatch(/FADD .* executed 2 times/);
    // replay re-posted FADDs on the backup rail
    expect(reposted(r).filter((e) => e.f === 'fadd').length).toBeGreaterThan(0);
  },
  'fadd-none': (r) => {
    expect(r.results.verdict).toBe('valid');
    for (const c of r.results.checks) expect({ checker: c.checker, violations: c.violations }).toEqual({ checker: c.checker, violations: [] });
    expect(reposted(r)).toEqual([]);
    // the FADDs in flight at the fault are indeterminate (info), with the verbs error
    const info = indeterminate(r, 'fadd');
    expect(info.length).toBeGreaterThan(0);
    // availability drops: without a failover policy, once the QP broke no op succeeded again;
    // every later op was refused (fail), in the order the completions arrived
    const after = completions(r).slice(completions(r).findIndex((e) => e.type !== 'ok'));
    expect(after.filter((e) => e.type === 'ok')).toEqual([]);
    expect(after.filter((e) => e.type === 'fail').length).toBeGreaterThan(10);
  },
  'fadd-shift': (r) => {
    expect(r.results.verdict).toBe('valid');
    expect(check(r, 'at-most-once').violations).toEqual([]);
    expect(check(r, 'linearizable').violations).toEqual([]);
    // shift never re-posts an atomic: the ones in flight at the fault return an error (info)
    expect(reposted(r)).toEqual([]);
    expect(indeterminate(r, 'fadd').length).toBeGreaterThan(0);
  },
  'cas-replay': (r) => {
    expect(r.results.verdict).toBe('invalid');
    // CAS double success, found by linearizability (an "unknown" here is a checker budget problem)
    const lin = check(r, 'linearizable');
    if (lin.verdict === 'unknown') {
      const amo = patterns(check(r, 'at-most-once'));
      throw new Error(`${lin.checker} did not decide the history: ${lin.summary} (at-most-once ${amo.includes('CAS double success') ? 'did find the CAS double success' : `found ${amo.join(', ') || 'nothing'}`})`);
    }
    expect(lin.verdict).toBe('invalid');
    expect(patterns(lin)).toContain('CAS double success');
    expect(reposted(r).filter((e) => e.f === 'cas').length).toBeGreaterThan(0);
  },
  'cas-read-verify': (r) => {
    // reads cannot decide whether a CAS executed: a violation
    expect(r.results.verdict).toBe('invalid');
    const all = r.results.checks.flatMap((c) => c.violations);
    expect(all.length).toBeGreaterThan(0);
    expect(all.map((v) => v.pattern)).toContain('CAS double success');
  },
  'flag-replay-ackloss': (r) => {
    expect(r.results.verdict).toBe('invalid');
    // the stale data write lands on the reused buffer: the register is not linearizable
    const lin = check(r, 'linearizable');
    expect({ checker: lin.checker, verdict: lin.verdict }).toEqual({ checker: 'linearizable (register)', verdict: 'invalid' });
    expect(patterns(lin)).toContain('stale write over reused buffer');
    expect(reposted(r).filter((e) => e.f === 'write').length).toBeGreaterThan(0);
  },
  'flag-replay-packetloss': (r) => {
    // the other half of the indistinguishability pair: the same replay, requests lost instead
    // of ACKs, and the history is clean
    expect(r.results.verdict).toBe('valid');
    for (const c of r.results.checks) expect({ checker: c.checker, violations: c.violations }).toEqual({ checker: c.checker, violations: [] });
    expect(reposted(r).length).toBeGreaterThan(0);
    expect(epochs(r).has(1)).toBe(true);
  },
  'send-replay': (r) => {
    expect(r.results.verdict).toBe('invalid');
    // a duplicated message, every later receive off by one: queue sliding, found by the stream checker
    const s = check(r, 'stream');
    expect(s.verdict).toBe('invalid');
    expect(s.violations.filter((v) => v.kind === 'stream-duplicate' && v.pattern === 'queue sliding').length).toBeGreaterThan(0);
    expect(reposted(r).filter((e) => e.f === 'send').length).toBeGreaterThan(0);
  },
  'send-shift': (r) => {
    // shift's handshake re-synchronises the queues: a clean stream, after a real failover
    expect(check(r, 'stream')).toMatchObject({ verdict: 'valid', violations: [] });
    expect(reposted(r)).toEqual([]);
    expect(epochs(r).has(1)).toBe(true);
    expect(r.results.checks.map((c) => [c.checker, c.verdict, c.summary])).toEqual(r.results.checks.map((c) => [c.checker, 'valid', c.summary]));
    expect(r.results.verdict).toBe('valid');
  },
};

const files = fs.readdirSync(SHIFT).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));
// the run that also streams to InfluxDB, and the one whose InfluxDB dies mid-run
const LIVE = 'fadd-replay';
const KILLED = 'fadd-none';

test('every shift campaign has its expected finding defined here', () => {
  expect(files.filter((f) => !FINDINGS[f])).toEqual([]);
  expect(files).toEqual(expect.arrayContaining([LIVE, KILLED]));
});

describe.each(files.filter((f) => FINDINGS[f]))('campaigns/shift/%s.yaml', (name) => {
  test('runs for real and gives its expected verdict and finding', async () => {
    let r: Run;
    if (name === LIVE) {
      r = await run(name, ['--report', '--junit', path.join(STORE, `${name}.junit.xml`), '--influx', `${influxd!.url}/rc_live`], async (done) => {
        liveFirstPoints = await firstPoints(influxd!, 'rc_live', done);
      });
    } else if (name === KILLED) {
      const own = await startInfluxd();
      try {
        r = await run(name, ['--influx', `${own.url}/rc_killed`], async (done) => {
          if ((await firstPoints(own, 'rc_killed', done)) !== undefined) {
            await own.kill();
            killedAt = Date.now();
          }
        });
      } finally {
        await own.stop();
      }
    } else {
      r = await run(name);
    }
    runs.set(name, r);
    await common(r, name);
    expect(r.results.expected?.matched).toBe(true);
    await FINDINGS[name]!(r);
  });
});

describe('issue 6 on the real runs', () => {
  test(`${LIVE} --influx: op rates and latencies, fault events and rxe counters streamed while the run went`, async () => {
    const r = runs.get(LIVE);
    const first = liveFirstPoints;
    if (!r) throw new Error(`${LIVE} did not run`);
    const q = (s: string): Promise<{ columns: string[]; values: unknown[][] }[]> => influxQuery(influxd!.url, 'rc_live', s);
    const ops = await q(`SELECT ok, fail, info, ops_per_sec, p50_us, p99_us FROM rdma_chaos_ops WHERE workload = 'counter' AND campaign = '${LIVE}' ORDER BY time`);
    const rows = ops[0]!.values;
    expect(rows.length).toBeGreaterThan(5);
    // every completed op is in the per-second points
    const sum = (col: number): number => rows.reduce((a, v) => a + Number(v[col] ?? 0), 0);
    const s = r.results.stats[0]!;
    expect({ ok: sum(1), fail: sum(2), info: sum(3) }).toEqual({ ok: s.ok, fail: s.fail, info: s.info });
    expect(rows.filter((v) => typeof v[5] === 'number' && (v[5] as number) > 0).length).toBeGreaterThan(0);
    // streamed during the run: points were in the database before the last second with completions
    const lastOpSecond = Number(rows[rows.length - 1]![0]);
    expect(first).toBeDefined();
    expect(first!).toBeLessThan(lastOpSecond);
    // fault start/stop events with the fault ids of the run
    const faults = await q(`SELECT active, event, fault_id, kind FROM rdma_chaos_fault WHERE campaign = '${LIVE}' ORDER BY time`);
    const got = faults[0]!.values.map((v) => `${v[3]}:${v[2]}`).sort();
    expect(got).toEqual(r.results.faults.flatMap((f) => [`${f.id}:start`, `${f.id}:stop`]).sort());
    // rxe counters of both nodes, both rails
    const rxe = await q(`SELECT duplicate_request, node, device FROM rdma_chaos_rxe WHERE campaign = '${LIVE}'`);
    expect(new Set(rxe[0]!.values.map((v) => `${v[2]}/${v[3]}`))).toEqual(new Set(['node1/rxe0', 'node1/rxe1', 'node2/rxe0', 'node2/rxe1']));
    // nothing about credentials or failures was said
    expect(r.err).not.toMatch(/InfluxDB .* failed/);
  });

  test(`${KILLED} --influx, influxd killed mid-run: one warning, same verdict, intact history`, () => {
    const r = runs.get(KILLED);
    if (!r) throw new Error(`${KILLED} did not run`);
    expect(killedAt).toBeDefined();
    const warnings = r.err.split('\n').filter((l) => /InfluxDB/.test(l) && /failed/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/metrics are buffered .* and the run goes on/);
    // the kill was mid-run: later writes failed while the workers still ran
    const m = /metrics: (\d+) points written to \S+, (\d+) dropped, (\d+) failed writes/.exec(fs.readFileSync(path.join(r.dir, RUN_FILES.controllerLog), 'utf8'));
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![2])).toBeGreaterThan(0);
    expect(Number(m![3])).toBeGreaterThan(0);
    // the verdict and history checks passed in the campaign's own test (same run)
    expect(r.results.verdict).toBe('valid');
    expect(r.code).toBe(ExitCode.valid);
  });

  test(`${LIVE} --report --junit: report.html in the run dir, JUnit XML valid`, () => {
    const r = runs.get(LIVE);
    if (!r) throw new Error(`${LIVE} did not run`);
    const summary = JSON.parse(r.out.trim().split('\n').pop()!) as { report?: string; junit?: string };
    expect(summary.report).toBe(path.join(r.dir, 'report.html'));
    expect(fs.statSync(summary.report!).size).toBeGreaterThan(10_000);
    const xml = fs.readFileSync(summary.junit!, 'utf8');
    expect(junitProblems(xml)).toEqual([]);
    expect(xml).toContain('name="expected outcome"');
    expect(xml).toContain('duplicate FADD after failover');
  });

  describe(`${LIVE}'s report of the real run in headless Chromium`, () => {
    let browser: Browser | undefined;
    let w: WatchedPage;
    let data: ReturnType<typeof loadRun>;
    beforeAll(async () => {
      const r = runs.get(LIVE);
      if (!r) throw new Error(`${LIVE} did not run`);
      data = loadRun(r.dir);
      browser = await launchChromium();
      w = await openReport(browser, path.join(r.dir, 'report.html'));
    });
    afterAll(async () => {
      await browser?.close();
    });
    test('summary with one sentence per violation', async () => {
      await checkSummary(w, data);
    });
    test('one lane per process, fault bands, the duplicated FADDs highlighted', async () => {
      await checkTimeline(w, data, `real-${LIVE}`);
    });
    test('"show on timeline" focuses the first violation', async () => {
      await checkShowViolation(w, `real-${LIVE}`);
    });
    test('each fault band carries its evidence; the faults table lists it', async () => {
      const r = runs.get(LIVE)!;
      for (const f of r.results.faults) {
        const g = w.page.locator(`#timeline g.fault[data-fault="${f.id}"]`);
        expect(await g.getAttribute('data-status')).toBe('confirmed');
        expect(await g.locator('.fault-label').textContent()).toBe(`${f.kind} \u2713`);
        expect(await g.locator('.fault-band title').textContent()).toContain(`confirmed: ${f.confirmation!.evidence}`);
        const row = w.page.locator(`#faults tr[data-fault="${f.id}"]`);
        expect(await row.locator('td.c-confirmed').textContent()).toBe('confirmed');
        expect(await row.textContent()).toContain(f.confirmation!.evidence);
      }
    });
    test('each duplicated FADD shows its result, sender view and executed effect side by side', async () => {
      await checkExplained(w, data, `real-${LIVE}`);
    });
    test('no script error, no dialog', () => {
      expect(w.errors).toEqual([]);
      expect(w.dialogs).toEqual([]);
    });
  });
});
