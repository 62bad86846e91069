// Fault confirmation on the real cluster (issue 14, point 3): an ack-loss that targets an opcode
// that never flows (RDMA READ responses, under a FADD-only workload) matches nothing. Its nft
// counter says so: the fault reads `mismatch`, and a campaign expecting `valid` gets `unknown`,
// not a pass. The packet loss beside it, which did drop requests, reads `confirmed`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireSharedCluster, type SharedCluster } from '../cluster/test-support';
import { ExitCode, RUN_FILES, type RunResults } from '../core';
import { runCli } from '../main';

const CAMPAIGN = `
name: ack-loss-nothing-flows
description: "ack-loss on READ responses under FADDs only: the fault cannot take effect"
duration: 10s
cluster: { nodes: 3, rails: 2 }
policy: none
qp: { timeout: 14, retry_cnt: 7 }
workloads:
  - workload: counter
    target: node1
    clients: [node2]
    rate: 300
    depth: 4
faults:
  timeline:
    - { at: 2s, id: no-reads, kind: ack-loss, target: node2, duration: 4s, params: { mode: blackout, opcodes: [read-response] } }
    - { at: 3s, id: some-loss, kind: packet-loss, target: node1, duration: 3s, params: { rate: 5, from: [node2] } }
expect:
  verdict: valid
`;

let cluster: SharedCluster;
let work: string;

beforeAll(async () => {
  cluster = await acquireSharedCluster({ nodes: 3, rails: 2 });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-confirm-'));
}, 15 * 60_000);

afterAll(async () => {
  await cluster?.release();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('an ack-loss on an opcode that never flows is a mismatch, and expect valid gives unknown', async () => {
  const file = path.join(work, 'campaign.yaml');
  fs.writeFileSync(file, CAMPAIGN);
  let out = '';
  let err = '';
  const code = await runCli(['run', file, '--store', path.join(work, 'store'), '--json', '--quiet'], { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  const dir = (JSON.parse(out.trim().split('\n').pop() ?? '{}') as { dir?: string }).dir;
  if (!dir) throw new Error(`no run directory (exit ${code}): ${err.slice(-2000)}`);
  const r = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.results), 'utf8')) as RunResults;
  const by = new Map(r.faults.map((f) => [f.id, f]));
  expect(by.get('no-reads')?.confirmation).toEqual({ status: 'mismatch', evidence: expect.stringMatching(/^dropped nothing: no read-response reached the requester while it was in place \(arrived: ack \d+, atomic-ack [1-9]\d*, read-response 0\)$/) });
  expect(by.get('no-reads')?.observed?.nft?.['ack-loss']).toEqual({ packets: 0, bytes: 0 });
  expect(by.get('some-loss')?.confirmation).toEqual({ status: 'confirmed', evidence: expect.stringMatching(/^dropped [1-9]\d* requests/) });
  // every check passed, yet one fault certified nothing: not a pass
  expect(r.checks.every((c) => c.verdict === 'valid')).toBe(true);
  expect({ verdict: r.verdict, code, matched: r.expected?.matched }).toEqual({ verdict: 'unknown', code: ExitCode.unknown, matched: false });
  expect(r.notes?.some((n) => n.startsWith('verdict unknown, not valid: fault no-reads (ack-loss on node2) was not confirmed to take effect (mismatch: dropped nothing'))).toBe(true);
  expect(r.clean).toBe(true);
}, 5 * 60_000);
