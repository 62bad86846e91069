// Exporting a finished run to a real influxd: the per-second op points add up to the run's
// ops, every fault start/stop and rxe sample is there; an unreachable database is an error
// (exit 254), unlike the live sink.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportRunToInflux } from '.';
import { RUN_FILES } from '../../harness/core';
import { runCli } from '../../harness/main';
import { freePort, influxQuery, makeSyntheticRun, startInfluxd, type Influxd } from '../test-support';

jest.setTimeout(60_000);
let db: Influxd;
let tmp: string;
let dir: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-export-'));
  dir = path.join(tmp, 'run');
  makeSyntheticRun({ dir, ops: 3000, campaign: 'shift-fadd' });
  db = await startInfluxd();
});
afterAll(async () => {
  await db?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('a run dir exported through `report --influx` can be queried back', async () => {
  const out: string[] = [];
  const code = await runCli(['report', dir, '--influx', `${db.url}/rc_export`, '--json'], { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) } });
  expect(code).toBe(0);
  const summary = JSON.parse(out.join('')) as { influx: { url: string; points: number }; ops: number };
  expect(summary.influx.url).toBe(`${db.url}/rc_export`);
  const sums = await influxQuery(db.url, 'rc_export', "SELECT sum(ok) + sum(fail) + sum(info) FROM rdma_chaos_ops WHERE campaign = 'shift-fadd'");
  expect(sums[0]!.values[0]![1]).toBe(summary.ops);
  const faults = await influxQuery(db.url, 'rc_export', 'SELECT active, fault_id FROM rdma_chaos_fault');
  expect(faults[0]!.values.map((v) => `${String(v[2])}:${String(v[1])}`).sort()).toEqual(['ack-loss-1:0', 'ack-loss-1:1', 'nic-failover-2:0', 'nic-failover-2:1', 'packet-loss-3:0', 'packet-loss-3:1']);
  const samples = fs.readFileSync(path.join(dir, RUN_FILES.counters), 'utf8').trim().split('\n').length;
  const rxe = await influxQuery(db.url, 'rc_export', 'SELECT count(duplicate_request) FROM rdma_chaos_rxe');
  expect(rxe[0]!.values[0]![1]).toBe(samples);
  const workloads = await influxQuery(db.url, 'rc_export', 'SHOW TAG VALUES FROM rdma_chaos_ops WITH KEY = workload');
  expect(workloads[0]!.values.map((v) => v[1]).sort()).toEqual(['cas-register', 'counter', 'register', 'send-stream']);
});

test('an unreachable database is an error naming the URL', async () => {
  const port = await freePort();
  await expect(exportRunToInflux(dir, { url: `http://127.0.0.1:${port}/x`, requestTimeoutMs: 1000 })).rejects.toMatchObject({ code: 'influx.unreachable', message: expect.stringContaining(`InfluxDB at http://127.0.0.1:${port}/x`) });
});
