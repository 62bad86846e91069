// Credentials never reach what a run writes (issue 16): a known InfluxDB user and password (the
// password from a 0600 file) and an SSH key passphrase are fed through the paths that write
// controller.log, results.json, report.html and the JUnit file: the live-metrics sink of a run
// against a server that echoes the credentials back in its error (a proxy's error page does),
// `rdma-chaos report --influx --junit` as a user runs it, and the refusals of a URL or a
// campaign that carries them. None of the secrets appears in any output. The same with a real
// run on the cluster is harness/secrets-cluster.test.ts.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { junitXml } from '../reports';
import { makeSyntheticRun } from '../reports/test-support';
import { writeReport } from '../reports/html';
import { influxTarget } from '../reports/influx';
import { parseCampaign, planRun } from './campaign';
import { parseInventory } from './cluster/ssh';
import { isChaosError, knownSecrets, redactor, RUN_FILES, RunResults } from './core';
import { openRunMetrics } from './run/metrics';
import { createRunDir } from './run';
import { runBin } from './test-support';

jest.setTimeout(60_000);

const USER = 'chaos-user-7f3a';
const PASSWORD = 's3cr3t-Pa55word-91c2';
const PASSPHRASE = 'key-passphrase-5e8d';
/** basic auth, as the client sends it and an echoing server quotes it */
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
const SECRETS = [USER, PASSWORD, PASSPHRASE, BASIC];

let dir: string;
let pwFile: string;
let server: http.Server;
let url: string;
const seen: string[] = [];
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-redact-'));
  pwFile = path.join(dir, 'influx-password');
  fs.writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
  // an InfluxDB behind a proxy whose error page quotes the request, credentials and all
  server = http.createServer((req, res) => {
    seen.push(`${req.url ?? ''} ${req.headers.authorization ?? ''}`);
    // a 4xx body reaches the client's error message (a 5xx gives only its status text)
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(`bad request for ${req.method} http://${USER}:${PASSWORD}@upstream${req.url ?? ''} (${req.headers.authorization ?? ''})`);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rdma_chaos`;
});
afterAll(async () => {
  await new Promise((ok) => server.close(ok));
  fs.rmSync(dir, { recursive: true, force: true });
});

const env = (): NodeJS.ProcessEnv => ({ RDMA_CHAOS_INFLUX_USER: USER, RDMA_CHAOS_INFLUX_PASSWORD_FILE: pwFile, KEY_PASS: PASSPHRASE });

/** every file under `root`, as text */
function filesUnder(root: string): [string, string][] {
  return fs.readdirSync(root, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => {
    const f = path.join(e.parentPath, e.name);
    return [f, fs.readFileSync(f, 'latin1')];
  });
}
const leaks = (outputs: [string, string][]): string[] => outputs.flatMap(([f, text]) => SECRETS.filter((s) => text.includes(s)).map((s) => `${f}: ${s}`));

test('the credentials reach the server, so a leak would have something to leak', () => {
  const t = influxTarget({ url, env: env() });
  expect([t.username, t.password]).toEqual([USER, PASSWORD]);
  expect(t.display).not.toContain(PASSWORD);
});

test('a run\'s metrics warning, controller.log, results.json, report.html and JUnit hold no secret', async () => {
  const run = makeSyntheticRun({ dir: path.join(dir, 'store', 'synthetic', 'run1'), ops: 300, plant: ['duplicateFadd'] });
  const plan = planRun(parseCampaign('c.yaml', `name: synthetic\nduration: 2s\ninflux: ${url}\nworkloads: [{ workload: counter }]\n`), 1);
  const log = path.join(run.dir, RUN_FILES.controllerLog);
  const warnings: string[] = [];
  // as the run wires it: a warning goes to controller.log and to stderr (and here to the notes)
  const warn = (m: string): void => {
    warnings.push(m);
    fs.appendFileSync(log, `${new Date().toISOString()} ${m}\n`);
  };
  const metrics = openRunMetrics({ url, plan, dir: run.dir, now: () => 5e9, warn, env: env(), flushIntervalMs: 10 });
  metrics.events([{ type: 'invoke', process: 0, f: 'fadd', key: 'counter@0', value: 1, time: 5e9 }, { type: 'ok', process: 0, f: 'fadd', key: 'counter@0', value: 1, result: 0, time: 5.1e9 }]);
  await new Promise((ok) => setTimeout(ok, 200));
  await metrics.close();
  expect(seen.some((s) => s.includes(`Basic ${BASIC}`))).toBe(true);
  expect(warnings.join('\n')).toMatch(/writing metrics to InfluxDB at .* failed/);
  const results = RunResults.parse(JSON.parse(fs.readFileSync(path.join(run.dir, RUN_FILES.results), 'utf8')));
  results.notes = [...(results.notes ?? []), ...warnings];
  fs.writeFileSync(path.join(run.dir, RUN_FILES.results), JSON.stringify(results));
  const report = writeReport(run.dir);
  const junit = path.join(dir, 'junit.xml');
  fs.writeFileSync(junit, junitXml([{ results, report: report.file }]));
  expect(fs.readFileSync(report.file, 'utf8')).toContain('writing metrics to InfluxDB');
  expect(leaks([...filesUnder(run.dir), [junit, fs.readFileSync(junit, 'latin1')], ['warnings', warnings.join('\n')]])).toEqual([]);
});

/** the CLI without blocking this process, whose event loop serves the echoing server */
function runAsync(args: string[], extra: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(__dirname, '../bin/rdma-chaos.js'), ...args], { env: { ...process.env, ...extra } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((ok) => child.on('close', (code) => ok({ code, stdout, stderr })));
}

test('rdma-chaos report --influx --junit on a stored run: stdout, stderr, report and JUnit hold no secret', async () => {
  const run = makeSyntheticRun({ dir: path.join(dir, 'store', 'synthetic', 'run2'), ops: 300, plant: [] });
  const junit = path.join(dir, 'junit2.xml');
  const r = await runAsync(['report', run.dir, '--junit', junit, '--influx', url], env());
  expect(r.code).toBe(254);
  // the server's echo got through, with the credentials blanked
  expect(r.stderr).toMatch(/A 400 Bad Request error occurred: bad request for .*Basic \*\*\*.*\[influx\.unreachable\]\n$/);
  expect(leaks([...filesUnder(run.dir), [junit, fs.readFileSync(junit, 'latin1')], ['stdout', r.stdout], ['stderr', r.stderr]])).toEqual([]);
});

test('credentials in a URL are refused without being echoed: --influx, and a campaign\'s influx:', () => {
  const withCreds = url.replace('http://', `http://${USER}:${PASSWORD}@`);
  let message = '';
  try {
    influxTarget({ url: withCreds, env: {} });
  } catch (e: unknown) {
    expect(isChaosError(e) && e.code).toBe('influx.credentialsInUrl');
    message = (e as Error).message;
  }
  expect(message).toMatch(/not in the URL/);
  const c = path.join(dir, 'creds.yaml');
  fs.writeFileSync(c, `name: t\nduration: 2s\ninflux: ${withCreds}\nworkloads: [{ workload: counter }]\n`);
  const dry = runBin(['run', '--dry-run', c]);
  expect(dry.code).toBe(254);
  expect(dry.stderr).toBe(`rdma-chaos: ${c}:3: influx: credentials in the URL: give them in RDMA_CHAOS_INFLUX_USER and RDMA_CHAOS_INFLUX_PASSWORD (or ..._FILE, a 0600 file) [campaign.invalid]\n`);
  const cli = runBin(['run', path.join(__dirname, '../campaigns/default.yaml'), '--dry-run', '--influx', withCreds]);
  expect(cli.code).toBe(254);
  expect(leaks([['message', message], ['dry', dry.stderr + dry.stdout], ['cli', cli.stderr + cli.stdout]])).toEqual([]);
});

test('a password file others can read is refused by the CLI, naming the file, before anything runs', () => {
  const wide = path.join(dir, 'wide-password');
  fs.writeFileSync(wide, PASSWORD, { mode: 0o644 });
  fs.chmodSync(wide, 0o644);
  const run = makeSyntheticRun({ dir: path.join(dir, 'store', 'synthetic', 'run3'), ops: 100, plant: [] });
  const r = runBin(['report', run.dir, '--influx', url], { RDMA_CHAOS_INFLUX_PASSWORD_FILE: wide });
  expect(r.code).toBe(254);
  expect(r.stderr).toBe(`rdma-chaos: ${wide}: permissions 0644 are too open for RDMA_CHAOS_INFLUX_PASSWORD (group or others may read it): chmod 600 ${wide} [secrets.filePermissions]\n`);
  expect(fs.existsSync(path.join(run.dir, 'report.html'))).toBe(false);
});

test('the redactor a run can wire into its logs blanks every known secret', () => {
  const r = redactor(knownSecrets(env(), ['KEY_PASS']));
  const line = `ssh: bad passphrase ${PASSPHRASE} for ${USER}; GET /query?u=${USER}&p=${PASSWORD} http://${USER}:${PASSWORD}@h/ Authorization: Basic ${BASIC}`;
  expect(leaks([['line', r(line)]])).toEqual([]);
});

test('a run directory\'s controller and agent logs go through it: a line quoting a secret is written blanked', () => {
  const plan = planRun(parseCampaign('c.yaml', 'name: logged\nduration: 1s\nworkloads:\n  - { workload: counter, target: node1 }\n'), 1);
  const rd = createRunDir(path.join(dir, 'logged'), plan, new Date(), redactor(knownSecrets(env(), ['KEY_PASS'])));
  rd.log(`influx: 401 for http://${USER}:${PASSWORD}@127.0.0.1:1/write as ${USER}`);
  rd.agentLog('node1', `unlock failed with ${PASSPHRASE}`);
  rd.close();
  const logs = filesUnder(rd.dir).filter(([f]) => f.endsWith('.log'));
  expect(logs.map(([f]) => path.basename(f)).sort()).toEqual(['controller.log', 'node1.log']);
  expect(leaks(logs)).toEqual([]);
  expect(logs.map(([, t]) => t).join('')).toContain('influx: 401 for http://***@127.0.0.1:1/write as ***');
});

test('ssh: a private key others can read is refused, as OpenSSH refuses it; the passphrase stays in its variable', () => {
  const key = path.join(dir, 'id');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASSPHRASE, '-C', 'x', '-f', key]);
  const hk = path.join(dir, 'hk');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hk', '-f', hk]);
  const inv = `hosts:\n  - name: a\n    address: 10.0.0.1\n    key: id\n    passphraseEnv: KEY_PASS\n    hostKey: "${fs.readFileSync(`${hk}.pub`, 'utf8').trim()}"\n`;
  process.env.KEY_PASS = PASSPHRASE;
  try {
    const ok = parseInventory(inv, path.join(dir, 'inv.yaml'));
    expect(JSON.stringify(ok)).not.toContain(PASSPHRASE);
    fs.chmodSync(key, 0o644);
    let e: unknown;
    try {
      parseInventory(inv, path.join(dir, 'inv.yaml'));
    } catch (x: unknown) {
      e = x;
    }
    expect(isChaosError(e) && e.code).toBe('secrets.filePermissions');
    expect((e as Error).message).toBe(`${key}: permissions 0644 are too open for a private key (group or others may read it): chmod 600 ${key}`);
  } finally {
    delete process.env.KEY_PASS;
  }
});
