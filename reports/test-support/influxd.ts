// A private influxd (Debian's influxdb 1.x) for tests: config, data and WAL in a temp dir,
// HTTP and RPC bound to loopback ports of its own, stopped by the PID recorded at start.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Influxd {
  url: string;
  port: number;
  pid: number;
  dir: string;
  /** SIGKILL, as a crash would (for the unreachable-mid-run case) */
  kill(): Promise<void>;
  /** SIGTERM, SIGKILL after 3 s, then removes the temp dir */
  stop(): Promise<void>;
}

export interface InfluxdOptions {
  /** require credentials (the first admin user is created over HTTP before any exists) */
  auth?: { username: string; password: string };
  binary?: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
});

export async function startInfluxd(o: InfluxdOptions = {}): Promise<Influxd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-influxd-'));
  const [port, rpc] = [await freePort(), await freePort()];
  const conf = path.join(dir, 'influxdb.conf');
  fs.writeFileSync(
    conf,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpc}"`,
      '[meta]',
      `  dir = "${dir}/meta"`,
      '[data]',
      `  dir = "${dir}/data"`,
      `  wal-dir = "${dir}/wal"`,
      '  query-log-enabled = false',
      '[http]',
      '  enabled = true',
      `  bind-address = "127.0.0.1:${port}"`,
      `  auth-enabled = ${o.auth ? 'true' : 'false'}`,
      '  log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
      '[ifql]',
      '  enabled = false',
      '[continuous_queries]',
      '  enabled = false',
      '',
    ].join('\n'),
  );
  const log = fs.openSync(path.join(dir, 'influxd.log'), 'a');
  const child = spawn(o.binary ?? 'influxd', ['run', '-config', conf], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => live.delete(child));
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  const url = `http://127.0.0.1:${port}`;
  const stopNow = async (sig: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(sig);
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
  };
  try {
    await Promise.race([waitPing(url, 15_000), spawnError]);
    if (o.auth) {
      const q = `CREATE USER "${o.auth.username}" WITH PASSWORD '${o.auth.password.replace(/'/g, "\\'")}' WITH ALL PRIVILEGES`;
      const r = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q }) });
      if (!r.ok) throw new Error(`influxd: creating the admin user failed: HTTP ${r.status}`);
    }
  } catch (e: unknown) {
    await stopNow('SIGKILL');
    const tail = fs.existsSync(path.join(dir, 'influxd.log')) ? fs.readFileSync(path.join(dir, 'influxd.log'), 'utf8').slice(-800) : '';
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`influxd did not start: ${(e as Error).message}\n${tail}`);
  }
  return {
    url,
    port,
    pid: child.pid!,
    dir,
    kill: () => stopNow('SIGKILL'),
    stop: async () => {
      await stopNow('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitPing(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`${url}/ping`);
      if (r.status === 204) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > end) throw new Error(`no answer on ${url}/ping after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs an InfluxQL query (tests): the series of the first statement. */
export async function influxQuery(url: string, db: string, q: string, auth?: { username: string; password: string }): Promise<{ columns: string[]; values: unknown[][] }[]> {
  const params = new URLSearchParams({ db, q, epoch: 'ms' });
  if (auth) [params.set('u', auth.username), params.set('p', auth.password)];
  const r = await fetch(`${url}/query?${params}`);
  const body = (await r.json()) as { results?: { series?: { columns: string[]; values: unknown[][] }[] }[]; error?: string };
  if (!r.ok) throw new Error(`influx query failed: HTTP ${r.status} ${body.error ?? ''}`);
  return body.results?.[0]?.series ?? [];
}
