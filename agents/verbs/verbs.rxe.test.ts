// The binding on real rxe, without the agent: a probe script shipped to a SoftRoCE node drives
// two looped-back QPs (per-op posts with event-mode CQs, the batch path, a forced QP error,
// async port events) and reports what it saw.
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ensureAgentBundle } from '../ship';
import { rxeCluster, type RxeCluster } from '../test-support';

jest.setTimeout(300_000);

let cluster: RxeCluster;
let report: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  cluster = await rxeCluster();
  const dir = mkdtempSync(path.join(tmpdir(), 'rc-probe-'));
  const probe = path.join(dir, 'probe.js');
  buildSync({ entryPoints: [path.join(__dirname, '../test-support/verbs-probe.ts')], bundle: true, platform: 'node', target: 'node20', outfile: probe, logLevel: 'silent' });
  const { binding } = ensureAgentBundle();
  if (!binding) throw new Error('the native binding is not built (npm run build:native)');
  const node = cluster.nodes[0]!;
  const remote = `/tmp/rc-probe-${process.pid}`;
  await cluster.driver.upload(node, probe, `${remote}/probe.js`);
  await cluster.driver.upload(node, binding, `${remote}/rdma_verbs.node`, 0o755);
  // the probe's loader looks next to the script, as the shipped agent's does
  const r = await cluster.driver.exec(node, ['node', `${remote}/probe.js`, 'rxe1', 'data1'], { timeoutMs: 240_000 });
  await cluster.driver.exec(node, ['rm', '-rf', remote]);
  rmSync(dir, { recursive: true, force: true });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  report = JSON.parse(line || '{}');
  if (report.error || r.code !== 0) throw new Error(`probe failed (${r.code}): ${report.error ?? r.stderr}`);
});

afterAll(async () => {
  await cluster?.release();
});

test('ports, GIDs and the RC connection', () => {
  expect(report.port.state).toBe('ACTIVE');
  expect(report.gid).toMatchObject({ type: 'RoCEv2', gid: expect.stringMatching(/^::ffff:10\./) });
  expect(report.states).toEqual(['RTS', 'RTS']);
});

test('FETCH_AND_ADD and CMP_AND_SWP against remote memory, 64-bit exact', () => {
  expect(report.fadd.statuses).toEqual([['1', 'IBV_WC_SUCCESS', 'FETCH_ADD'], ['2', 'IBV_WC_SUCCESS', 'FETCH_ADD']]);
  expect(report.fadd.old).toEqual(['40', '42']);
  expect(report.fadd.mem).toBe(String(42n + (1n << 60n)));
  expect(report.cas.statuses).toEqual(['IBV_WC_SUCCESS', 'IBV_WC_SUCCESS']);
  expect(report.cas.old).toEqual(['5', '9']); // the second CAS saw the first one's swap
  expect(report.cas.mem).toBe('9');
});

test('RDMA WRITE and READ, WRITE with immediate and SEND/RECV', () => {
  // byte_len is only defined for READ on the send side (rxe happens to fill it for WRITE too)
  expect(report.writeRead.statuses).toEqual([['IBV_WC_SUCCESS', 'RDMA_WRITE', expect.any(Number)], ['IBV_WC_SUCCESS', 'RDMA_READ', 100]]);
  expect(report.writeRead.remoteBytes).toBe(true);
  expect(report.writeRead.readBack).toBe(true);
  expect(report.sendRecv.send).toEqual(['IBV_WC_SUCCESS', 'IBV_WC_SUCCESS']);
  expect(report.sendRecv.recv).toEqual([
    { wrId: '70', status: 'IBV_WC_SUCCESS', opcode: 'RECV', byteLen: 8, imm: 0xfeed },
    { wrId: '71', status: 'IBV_WC_SUCCESS', opcode: 'RECV_RDMA_WITH_IMM', byteLen: 8, imm: 0xbeef },
  ]);
  expect(report.sendRecv.payload).toBe('1122334455667788');
  expect(report.sendRecv.written).toBe('1122334455667788');
});

test('the batch path: 2000 FADDs, each old value seen exactly once', () => {
  expect(report.batch).toEqual({ ok: 2000, posted: 2000, mem: '2000', oldIsPermutation: true });
});

test('the batch path with payloads of their own: 32-byte WRITEs land byte for byte, 32-byte READs hand the bytes back', () => {
  expect(report.payload).toEqual({ written: 3, inMemory: [true, true, true], readBack: true, plain: '2000' });
});

test('a forced QP error: outstanding WRs flush, the rest is never posted, posting on ERR flushes', () => {
  const st = report.forced.statuses as Record<string, number>;
  expect(report.forced.state).toBe('ERR');
  expect(report.forced.firstError).toBe('IBV_WC_WR_FLUSH_ERR');
  expect(st['5']).toBeGreaterThan(0); // IBV_WC_WR_FLUSH_ERR
  expect(st['-1']).toBeGreaterThan(0); // never posted
  expect(st['0']).toBeGreaterThan(0);
  expect(Object.keys(st).sort()).toEqual(['-1', '0', '5']);
  // what executed is at least what succeeded (a flushed op may or may not have run)
  expect(Number(report.forced.executed)).toBeGreaterThanOrEqual(st['0']!);
  expect(report.postOnErr).toEqual(['IBV_WC_WR_FLUSH_ERR']);
});

test('async events reach JS and waiting never blocked the event loop', () => {
  expect(report.async).toEqual(expect.arrayContaining(['IBV_EVENT_PORT_ERR', 'IBV_EVENT_PORT_ACTIVE']));
  expect(report.ticks).toBeGreaterThan(100);
});
