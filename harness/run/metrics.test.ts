// Live run metrics against a real influxd (Debian's influxdb 1.x on a loopback port): history
// events as the run loop sees them (agents' ops, nemesis start/stop, final reads) become
// per-second op points per workload with latencies, fault events and rxe counter points; the
// campaign test checks the same on a real run.
import { influxQuery, startInfluxd, type Influxd } from '../../reports/test-support';
import { parseCampaign, planRun } from '../campaign';
import type { HistoryEvent } from '../core';
import { checkMetricsUrl, openRunMetrics } from './metrics';

jest.setTimeout(60_000);

let db: Influxd;
beforeAll(async () => {
  db = await startInfluxd();
});
afterAll(async () => {
  await db?.stop();
});

const plan = planRun(
  parseCampaign(
    'mix.yaml',
    `name: mix
duration: 10s
cluster: { nodes: 3, rails: 2 }
workloads:
  - { workload: counter, target: node1, clients: [node2] }
  - { workload: cas-register, target: node1, clients: [node3] }
  - { workload: send-stream, target: node3, clients: [node2] }
`,
  ),
  5,
);

test('ops per workload per second with latencies, fault events, rxe counters; final reads left out', async () => {
  // history clock: ns since an arbitrary origin; wall = now - (clock - t)
  let clock = 50e9;
  const now = (): number => clock;
  const warnings: string[] = [];
  const m = openRunMetrics({ url: `${db.url}/rc_run`, plan, dir: '/store/mix/2026-01-01T00-00-00-000Z', now, warn: (w) => warnings.push(w), flushIntervalMs: 3_600_000 });
  const wall0 = Date.now();
  const t = (ms: number): number => 50e9 - 3000e6 + ms * 1e6; // 3 s ago + ms
  const ev = (e: Partial<HistoryEvent> & Pick<HistoryEvent, 'type' | 'process' | 'f'>): HistoryEvent => e as HistoryEvent;
  m.events([
    ev({ type: 'invoke', process: 2000001, f: 'fadd', key: 'counter@8', time: t(0) }),
    ev({ type: 'invoke', process: 3000001, f: 'cas', key: 'cas@0', time: t(10) }),
    ev({ type: 'invoke', process: 2000002, f: 'send', key: 'node2->node3', time: t(20) }),
    ev({ type: 'invoke', process: 'nemesis', f: 'start', fault: { id: 'f1', kind: 'ack-loss', targets: ['node2'] }, time: t(30) }),
  ]);
  m.events([
    ev({ type: 'ok', process: 2000001, f: 'fadd', key: 'counter@8', time: t(0) + 250_000 }),
    ev({ type: 'info', process: 3000001, f: 'cas', key: 'cas@0', time: t(900) }),
    ev({ type: 'ok', process: 2000002, f: 'send', key: 'node2->node3', time: t(20) + 100_000 }),
    ev({ type: 'ok', process: 'nemesis', f: 'start', fault: { id: 'f1', kind: 'ack-loss', targets: ['node2'] }, time: t(40) }),
    ev({ type: 'ok', process: 'nemesis', f: 'stop', fault: { id: 'f1', kind: 'ack-loss', targets: ['node2'] }, time: t(1500) }),
    ev({ type: 'invoke', process: 900000000, f: 'read', key: 'counter@8', time: t(1600), final: true }),
    ev({ type: 'ok', process: 900000000, f: 'read', key: 'counter@8', result: 1, time: t(1601), final: true }),
  ]);
  m.counters('node2', 'rxe0', { duplicate_request: 3 }, t(1700));
  clock += 1e9;
  const stats = await m.close();
  expect(warnings).toEqual([]);
  expect(stats.dropped).toBe(0);

  const q = async (s: string): Promise<unknown[][]> => (await influxQuery(db.url, 'rc_run', s))[0]?.values ?? [];
  const ops = await q("SELECT workload, ok, info, p50_us FROM rdma_chaos_ops WHERE campaign = 'mix' AND run = '2026-01-01T00-00-00-000Z' AND seed = '5' ORDER BY time");
  const byWorkload = Object.fromEntries(ops.map((v) => [v[1], v.slice(2)]));
  expect(byWorkload).toEqual({ counter: [1, 0, 250], 'cas-register': [0, 1, null], 'send-stream': [1, 0, 100] });
  // wall-clock stamps: about 3 s before the metrics were opened
  for (const v of ops) expect(Math.abs((v[0] as number) - (wall0 - 3000))).toBeLessThan(2000);
  const faults = await q("SELECT event, fault_id, kind FROM rdma_chaos_fault WHERE campaign = 'mix' ORDER BY time");
  expect(faults.map((v) => v.slice(1))).toEqual([
    ['start', 'f1', 'ack-loss'],
    ['stop', 'f1', 'ack-loss'],
  ]);
  // the start point carries the time it took effect (the ok), not the invoke
  expect((faults[1]![0] as number) - (faults[0]![0] as number)).toBe(1460);
  expect(await q("SELECT duplicate_request FROM rdma_chaos_rxe WHERE node = 'node2' AND device = 'rxe0'")).toEqual([[expect.any(Number), 3]]);
});

test('a bad URL is bad input before the run; credentials only from the environment', () => {
  expect(() => checkMetricsUrl('http://u:secret@127.0.0.1:1/db')).toThrow(/not in the URL/);
  expect(checkMetricsUrl('http://127.0.0.1:8086/chaos', { RDMA_CHAOS_INFLUX_USER: 'u', RDMA_CHAOS_INFLUX_PASSWORD: 'p' })).toBe('http://127.0.0.1:8086/chaos');
});
