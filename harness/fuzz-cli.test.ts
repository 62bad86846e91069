// The inputs the fuzz tests found, fed to the installed binaries as a user would (issue 16):
// `run --dry-run CAMPAIGN`, `run --cluster ssh:INVENTORY`, `check FILE` and the agent bundle on
// its stdio. Each ends with a Jepsen exit code (0, 1, 2 or 254) and no stack trace.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expectCleanExit, runBin } from './test-support';

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-fuzzcli-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, data: string | Buffer): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, data);
  return f;
};
const deep = (d: number): string => `${'['.repeat(d)}1${']'.repeat(d)}`;
const campaign = 'name: t\nduration: 30s\nworkloads: [{ workload: counter }]\n';

test('run --dry-run on fuzz-found campaigns', () => {
  const files = {
    'interval-0.yaml': `${campaign}faults: { random: { interval: 0, kinds: [ack-loss] } }\n`,
    'late-alias.yaml': 'name: *n\nduration: &n 1s\nworkloads: [{ workload: counter }]\n',
    'cr-key.yaml': `${campaign}qp:\n  "\\r timeout": 3\n`,
    'deep.yaml': `${campaign}description: ${deep(10_000)}\n`,
    'nul.yaml': `${campaign}\u0000`,
    'latin1.yaml': Buffer.concat([Buffer.from(campaign), Buffer.from([0xff, 0xfe, 0x0a])]),
    'empty.yaml': '',
    'valid.yaml': campaign,
  };
  for (const [name, text] of Object.entries(files)) {
    const r = runBin(['run', '--dry-run', write(name, text)]);
    expectCleanExit(r);
    expect(r.code).toBe(name === 'valid.yaml' ? 0 : 254);
    if (r.code === 254) expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }
});

test('run --cluster ssh:INVENTORY on fuzz-found inventories (refused before any connection)', () => {
  const files = {
    'late-alias.yaml': 'hosts:\n  - name: a\n    address: *late\n    user: &late root\n    key: id\n',
    'deep.yaml': `hosts: ${deep(10_000)}\n`,
    'nul.yaml': 'hosts:\n  - name: a\u0000\n',
    'collection-key.yaml': '? [a]\n: 1\nhosts: []\n',
  };
  const c = write('c.yaml', campaign);
  for (const [name, text] of Object.entries(files)) {
    const r = runBin(['run', c, '--cluster', `ssh:${write(`inv-${name}`, text)}`, '--store', path.join(dir, 'store')]);
    expectCleanExit(r);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/\[cluster\.inventory\]\n$/);
    expect(r.stderr).not.toMatch(/Warning/);
  }
});

test('check on fuzz-found histories in every format', () => {
  const ev = (o: object): string => JSON.stringify(o);
  const w = { type: 'invoke', process: 0, f: 'write', key: 'r', value: 1 };
  const files: Record<string, string | Buffer> = {
    'deep.jsonl': `${ev(w).replace('"value":1', `"value":${deep(10_000)}`)}\n`,
    'huge-key.jsonl': `${ev(w).replace('{', `{"${'x'.repeat(1 << 20)}":1,`)}\n`,
    'huge-number.jsonl': `${ev(w).replace('"value":1', '"value":1e400')}\n${ev({ ...w, type: 'ok' })}\n`,
    'nul.jsonl': `${ev(w)}\n\u0000\n`,
    'torn.jsonl': `${ev(w)}\n${ev({ ...w, type: 'ok' })}\n{"type":"inv`,
    'deep.edn': `[{:process 0 :type :invoke :f :write :value ${deep(10_000)}}]`,
    'unterminated.edn': '[{:process 0 :type :invoke :f :write :value "x}]',
    'etcd.log': 'INFO  jepsen.util - 1\t:invoke\t:cas\t[1 99999999999999999999999]\n',
    'kv-deep.txt': `{:process 0, :type :invoke, :f :put, :key "3", :value ${deep(10_000)}}\n`,
    'valid.jsonl': `${ev(w)}\n${ev({ ...w, type: 'ok' })}\n${ev({ type: 'invoke', process: 1, f: 'read', key: 'r' })}\n${ev({ type: 'ok', process: 1, f: 'read', key: 'r', result: 1 })}\n`,
  };
  for (const [name, text] of Object.entries(files)) {
    const r = runBin(['check', '--timeout', '10', write(name, text)]);
    expectCleanExit(r);
    if (name === 'valid.jsonl') expect(r.code).toBe(0);
    // a torn last line and an etcd number past 2^53 may load; the rest is refused
    else if (!['torn.jsonl', 'etcd.log'].includes(name)) expect(r.code).toBe(254);
    if (r.code === 254) expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }
});

test('the agent bundle answers fuzz-found request lines with coded errors and keeps serving', async () => {
  const agent = path.resolve(__dirname, '../dist/agent/rdma-chaos-agent.js');
  const child = spawn(process.execPath, [agent, '--no-guardian', '--state-dir', dir, '--lease-ms', '60000'], { env: { ...process.env, RDMA_BINDING: 'fake' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ops = (o: object): string => JSON.stringify({ id: 0, method: 'runSlice', params: { slice: 's', peer: 'n2', policy: 'none', depth: 1, rate: 0, opTimeoutMs: 0, ops: { n: 2, regions: ['r'], f: { c: 2 }, region: { c: 0 }, offset: { c: 0 }, len: { c: 8 }, value: { c: 1 }, expect: { c: 0 }, imm: { c: 0 }, flags: { c: 0 }, ...o } } });
  const lines = [
    ops({ value: { c: 1.5 } }).replace('"id":0', '"id":1'),
    ops({ flags: { c: 300 } }).replace('"id":0', '"id":2'),
    ops({ n: 2 ** 40 }).replace('"id":0', '"id":3'),
    ops({ region: { r: 65535 } }).replace('"id":0', '"id":4'),
    JSON.stringify({ id: 5, method: 'hello', params: { node: 'n1', processBase: 0, leaseMs: 10000, rails: deep(5000) } }).replace(`"${deep(5000)}"`, deep(5000)),
    '{"id":6,"method":"info","params":{"\\u0000":1}}',
    `{"id":7,"method":"lease","params":{"ttlMs":1e400}}`,
    'not json at all',
    JSON.stringify({ id: 8, method: 'time', params: {} }),
  ];
  // a failing test must not leave the agent behind
  const kill = setTimeout(() => child.kill('SIGKILL'), 40_000);
  child.stdin.write(lines.join('\n') + '\n');
  const deadline = Date.now() + 30_000;
  // answers come as each request finishes, not in order
  const answered = (): boolean => [1, 2, 3, 4, 5, 6, 7, 8].every((id) => out.includes(`"id":${id},`));
  while (!answered() && Date.now() < deadline && child.exitCode === null) await new Promise((ok) => setTimeout(ok, 50));
  child.stdin.end();
  const code = await new Promise<number | null>((ok) => child.on('close', ok));
  clearTimeout(kill);
  const msgs = out.trim().split('\n').map((l) => JSON.parse(l) as { id?: number; ok?: boolean; error?: { code: string; message: string }; ev?: string });
  const byId = new Map(msgs.filter((m) => m.id !== undefined).map((m) => [m.id!, m]));
  for (const id of [1, 2, 3, 4, 5, 6, 7]) {
    expect(byId.get(id)?.ok).toBe(false);
    expect(byId.get(id)?.error?.code).toMatch(/^agent\.bad(Column|Ops|Request)$/);
    expect(byId.get(id)?.error?.message).not.toMatch(/\n\s+at /);
  }
  expect(msgs.some((m) => m.ev === 'log' && /unparsable request/.test(JSON.stringify(m)))).toBe(true);
  expect(byId.get(8)?.ok).toBe(true); // still serving after all of it
  expect(code).toBe(0);
  expect(err).not.toMatch(/\n\s+at .+:\d+:\d+/);
}, 60_000);
