// The metrics sink against a real influxd (Debian's influxdb 1.x) on a loopback port: points
// written while a "run" goes are queried back; killing influxd mid-stream costs one warning,
// never an exception; credentials come from env and never appear in messages.
import { ENV_PASSWORD, ENV_USER, influxTarget, openMetricsSink } from '.';
import { isChaosError } from '../../harness/core';
import { influxQuery, startInfluxd, type Influxd } from '../test-support';

jest.setTimeout(60_000);

let db: Influxd;
const rejections: unknown[] = [];
const onRejection = (e: unknown): void => void rejections.push(e);

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  db = await startInfluxd();
});
afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await db?.stop();
});

const base = Math.floor(Date.now() / 1000) * 1000 - 60_000;

test('per-second op rates and latencies, fault events and rxe counters are queryable', async () => {
  const warnings: string[] = [];
  const sink = openMetricsSink({ url: `${db.url}/rc_a`, tags: { campaign: 'shift-fadd', run: 'r1' }, warn: (m) => warnings.push(m) });
  expect(sink.url).toBe(`${db.url}/rc_a`);
  // three seconds of two workloads: second k has 10 + k counter ops (one fails) and 5 register ops
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < 10 + k; i++) sink.recordOp({ workload: 'counter', status: i === 0 ? 'fail' : 'ok', latencyUs: 100 + i, time: base + k * 1000 + i * 10 });
    sink.recordOps(Array.from({ length: 5 }, (_, i) => ({ workload: 'register', status: 'ok' as const, latencyUs: 50, time: base + k * 1000 + 500 + i })));
  }
  sink.recordFault({ id: 'f1', kind: 'ack-loss', targets: ['node2'], event: 'start', time: base + 1200 });
  sink.recordFault({ id: 'f1', kind: 'ack-loss', targets: ['node2'], event: 'stop', time: base + 2200 });
  sink.recordCounters({ node: 'node2', device: 'rxe0', counters: { duplicate_request: 7, retry_exceeded_err: 1 }, time: base + 2300 });
  const stats = await sink.close();
  expect(warnings).toEqual([]);
  expect(stats).toMatchObject({ written: 3 * 2 + 2 + 1, dropped: 0, failedWrites: 0 });

  const ops = await influxQuery(db.url, 'rc_a', 'SELECT ok, fail, ops_per_sec, p50_us, max_us FROM rdma_chaos_ops WHERE workload = \'counter\' ORDER BY time');
  expect(ops[0]!.values.map((v) => v.slice(1))).toEqual([
    [9, 1, 10, 105, 109],
    [10, 1, 11, 105, 110],
    [11, 1, 12, 106, 111],
  ]);
  expect(ops[0]!.values.map((v) => v[0])).toEqual([base, base + 1000, base + 2000]);
  const reg = await influxQuery(db.url, 'rc_a', 'SELECT sum(ok) FROM rdma_chaos_ops WHERE workload = \'register\' AND campaign = \'shift-fadd\'');
  expect(reg[0]!.values[0]![1]).toBe(15);
  const faults = await influxQuery(db.url, 'rc_a', 'SELECT active, event, fault_id, targets FROM rdma_chaos_fault ORDER BY time');
  expect(faults[0]!.values).toEqual([
    [base + 1200, 1, 'start', 'f1', 'node2'],
    [base + 2200, 0, 'stop', 'f1', 'node2'],
  ]);
  const rxe = await influxQuery(db.url, 'rc_a', 'SELECT duplicate_request FROM rdma_chaos_rxe WHERE node = \'node2\'');
  expect(rxe[0]!.values).toEqual([[base + 2300, 7]]);
});

test('completions that arrive after their second was written rewrite its point: no count is lost', async () => {
  let now = base + 1500;
  const sink = openMetricsSink({ url: `${db.url}/rc_late`, warn: () => undefined, now: () => now, flushIntervalMs: 3_600_000 });
  for (let i = 0; i < 10; i++) sink.recordOp({ workload: 'counter', status: 'ok', latencyUs: 100, time: base + i });
  await sink.flush();
  const q = async (): Promise<unknown[][]> => (await influxQuery(db.url, 'rc_late', 'SELECT ok, fail, p99_us FROM rdma_chaos_ops ORDER BY time'))[0]!.values;
  expect(await q()).toEqual([[base, 10, 0, 100]]);
  // a batch of second `base` arrives late, with second base+1 still open
  now = base + 1900;
  for (let i = 0; i < 5; i++) sink.recordOp({ workload: 'counter', status: i ? 'ok' : 'fail', latencyUs: 900, time: base + 500 + i });
  sink.recordOp({ workload: 'counter', status: 'ok', latencyUs: 50, time: base + 1100 });
  await sink.flush();
  expect(await q()).toEqual([[base, 14, 1, 900]]);
  now = base + 2100;
  await sink.close();
  expect(await q()).toEqual([
    [base, 14, 1, 900],
    [base + 1000, 1, 0, 50],
  ]);
});

test('influxd killed mid-stream: the sink keeps taking samples, warns once, never throws', async () => {
  const own = await startInfluxd();
  const warnings: string[] = [];
  const sink = openMetricsSink({ url: `${own.url}/rc_b`, warn: (m) => warnings.push(m), maxBuffer: 100, requestTimeoutMs: 500 });
  try {
    sink.recordOps(Array.from({ length: 20 }, (_, i) => ({ workload: 'counter', status: 'ok' as const, latencyUs: 10, time: base + i })));
    await sink.flush();
    expect(sink.stats()).toMatchObject({ written: 1, failedWrites: 0 });
    expect((await influxQuery(own.url, 'rc_b', 'SELECT ok FROM rdma_chaos_ops'))[0]!.values).toEqual([[base, 20]]);

    await own.kill();
    // the run goes on: 300 more seconds of samples, flushed as the timer would
    for (let k = 1; k <= 300; k++) {
      expect(() => sink.recordOp({ workload: 'counter', status: 'ok', latencyUs: 10, time: base + k * 1000 })).not.toThrow();
      expect(() => sink.recordCounters({ node: 'n1', device: 'rxe0', counters: { x: k }, time: base + k * 1000 })).not.toThrow();
      if (k % 50 === 0) await expect(sink.flush()).resolves.toBeUndefined();
    }
    const s = await sink.close(2000);
    if (process.env.SHOW_WARNINGS) console.log(warnings, s);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`writing metrics to InfluxDB at ${own.url}/rc_b failed (`);
    // a kept-alive socket dies with the server (hang up); new connections are refused
    expect(warnings[0]).toMatch(/ECONNREFUSED|socket hang up|ECONNRESET/);
    expect(s.written).toBe(1);
    expect(s.failedWrites).toBeGreaterThanOrEqual(6);
    // bounded: the buffer never held more than 100 points, the rest was counted as dropped
    expect(s.buffered).toBeLessThanOrEqual(100);
    // 300 per-second op points and 300 counter samples after the kill: all lost, all counted
    expect(s.dropped).toBe(600);
    expect(rejections).toEqual([]);
  } finally {
    await own.stop();
  }
});

test('credentials come from the environment, are used, and never show in URLs or warnings', async () => {
  const auth = { username: 'chaos', password: 's3cret-PASS' };
  const own = await startInfluxd({ auth });
  try {
    const env = { [ENV_USER]: auth.username, [ENV_PASSWORD]: auth.password };
    const ok = openMetricsSink({ url: `${own.url}/rc_c`, env, warn: () => undefined });
    ok.recordFault({ id: 'f', kind: 'partition', targets: ['node1'], event: 'start', time: base });
    expect(await ok.close()).toMatchObject({ written: 1, dropped: 0 });
    expect(ok.url).not.toContain(auth.password);
    expect((await influxQuery(own.url, 'rc_c', 'SELECT active FROM rdma_chaos_fault', auth))[0]!.values).toEqual([[base, 1]]);

    const warnings: string[] = [];
    const bad = openMetricsSink({ url: `${own.url}/rc_c`, env: { [ENV_USER]: auth.username, [ENV_PASSWORD]: 'wrong-PASSWORD-x' }, warn: (m) => warnings.push(m) });
    bad.recordFault({ id: 'f', kind: 'partition', targets: ['node1'], event: 'stop', time: base });
    await bad.close();
    if (process.env.SHOW_WARNINGS) console.log(warnings);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('401 Unauthorized');
    expect(warnings[0]).not.toContain('wrong-PASSWORD-x');
    expect(warnings[0]).not.toContain(auth.username + ':');
  } finally {
    await own.stop();
  }
});

test('a URL with credentials or a bad URL is refused before a run starts, without echoing the password', () => {
  const err = (url: string): { code: string; message: string } => {
    try {
      influxTarget({ url });
    } catch (e: unknown) {
      if (isChaosError(e)) return { code: e.code, message: e.message };
    }
    throw new Error('expected an InputError');
  };
  const c = err('http://admin:hunter2@127.0.0.1:8086/db');
  expect(c.code).toBe('influx.credentialsInUrl');
  expect(c.message).not.toContain('hunter2');
  expect(c.message).toContain('http://127.0.0.1:8086/db');
  expect(err('not a url').code).toBe('influx.badUrl');
  expect(err('ftp://h/db').code).toBe('influx.badUrl');
  expect(influxTarget({ url: 'http://h:9999/proxy/metrics' })).toMatchObject({ host: 'h', port: 9999, path: '/proxy', database: 'metrics', display: 'http://h:9999/proxy/metrics' });
  expect(influxTarget({ url: 'http://h' })).toMatchObject({ port: 8086, database: 'rdma_chaos' });
});
