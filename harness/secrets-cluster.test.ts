// Credentials never reach what a real run writes (issue 16, the end-to-end variant of
// harness/secrets.test.ts): the default campaign on the shared SoftRoCE cluster, with live
// metrics to an InfluxDB stand-in that answers every write with a 400 quoting the request and
// its Authorization header, the password from a 0600 file, --report and --junit. No secret in
// the run directory (history, logs, results, report), the JUnit file, stdout or stderr.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireSharedCluster, type SharedCluster } from './cluster/test-support';
import { runCli } from './main';

jest.setTimeout(15 * 60_000);

const ROOT = path.resolve(__dirname, '..');
const USER = 'chaos-user-c1u5';
const PASSWORD = 'cluster-Pa55word-0b7e';
const SECRETS = [USER, PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')];

let cluster: SharedCluster;
let dir: string;
let server: http.Server;
let requests = 0;
const saved = { user: process.env.RDMA_CHAOS_INFLUX_USER, file: process.env.RDMA_CHAOS_INFLUX_PASSWORD_FILE };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-redact-cluster-'));
  const pw = path.join(dir, 'password');
  fs.writeFileSync(pw, `${PASSWORD}\n`, { mode: 0o600 });
  process.env.RDMA_CHAOS_INFLUX_USER = USER;
  process.env.RDMA_CHAOS_INFLUX_PASSWORD_FILE = pw;
  server = http.createServer((req, res) => {
    requests++;
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(`refused ${req.method} ${req.url ?? ''} (${req.headers.authorization ?? ''}) for ${USER}:${PASSWORD}`);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  cluster = await acquireSharedCluster({ nodes: 2, rails: 2 });
}, 75 * 60_000);

afterAll(async () => {
  await cluster?.release();
  await new Promise((ok) => server.close(ok));
  for (const [k, v] of [['RDMA_CHAOS_INFLUX_USER', saved.user], ['RDMA_CHAOS_INFLUX_PASSWORD_FILE', saved.file]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a real run with failing live metrics leaves no credential in any output', async () => {
  const store = path.join(dir, 'store');
  const junit = path.join(dir, 'junit.xml');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rdma_chaos`;
  let out = '';
  let err = '';
  const code = await runCli(['run', path.join(ROOT, 'campaigns/default.yaml'), '--store', store, '--report', '--junit', junit, '--influx', url, '--json'], {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  expect([0, 1, 2]).toContain(code);
  expect(requests).toBeGreaterThan(0);
  expect(err).toMatch(/writing metrics to InfluxDB at .* failed \(A 400 Bad Request error occurred: refused .*Basic \*\*\*/);
  const files = fs.readdirSync(store, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  expect(files.some((f) => f.endsWith('report.html'))).toBe(true);
  const outputs: [string, string][] = [...files.map((f) => [f, fs.readFileSync(f, 'latin1')] as [string, string]), [junit, fs.readFileSync(junit, 'latin1')], ['stdout', out], ['stderr', err]];
  expect(outputs.flatMap(([f, text]) => SECRETS.filter((s) => text.includes(s)).map((s) => `${f}: ${s}`))).toEqual([]);
});
