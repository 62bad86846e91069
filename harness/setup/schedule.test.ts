// The nightly-run units (harness/setup/schedule/): systemd-analyze verify on the service and
// timer, the cron line's fields, that every path they name exists, and nightly.sh itself on
// what it can do without a cluster (the credentials file rule, the exit code, the index).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const DIR = path.join(__dirname, 'schedule');
/** where the units expect the checkout; the test maps it to this one */
const INSTALLED = '/opt/rdma-chaos';
const read = (f: string): string => fs.readFileSync(path.join(DIR, f), 'utf8');
const local = (p: string): string => (p.startsWith(INSTALLED + '/') ? path.join(ROOT, p.slice(INSTALLED.length + 1)) : p);

let tmp: string;
beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-sched-'))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** `Key=value` lines of one [Section] of a unit file */
function section(text: string, name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur = '';
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    if (l.startsWith('[')) cur = l;
    else if (cur === `[${name}]` && l && !l.startsWith('#')) {
      const eq = l.indexOf('=');
      out.set(l.slice(0, eq), [...(out.get(l.slice(0, eq)) ?? []), l.slice(eq + 1)]);
    }
  }
  return out;
}

const haveSystemd = spawnSync('systemd-analyze', ['--version']).status === 0;
(haveSystemd ? test : test.skip)('systemd-analyze verify accepts the service and the timer, without a warning', () => {
  // verify checks that ExecStart exists: point the units at this checkout
  for (const f of ['rdma-chaos-nightly.service', 'rdma-chaos-nightly.timer']) fs.writeFileSync(path.join(tmp, f), read(f).split(INSTALLED).join(ROOT));
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', path.join(tmp, 'rdma-chaos-nightly.service'), path.join(tmp, 'rdma-chaos-nightly.timer')], { encoding: 'utf8' });
  // a misspelt key or value is only a warning to systemd: no output at all is the pass
  expect(r.stderr + r.stdout).toBe('');
  expect(r.status).toBe(0);
});

test('the service runs nightly.sh from the checkout, stores under /var/lib, reads a secrets file, logs to the journal', () => {
  const s = section(read('rdma-chaos-nightly.service'), 'Service');
  const exec = s.get('ExecStart')![0]!.split(/\s+/)[0]!;
  expect(exec).toBe(`${INSTALLED}/harness/setup/schedule/nightly.sh`);
  fs.accessSync(local(exec), fs.constants.X_OK);
  expect(s.get('WorkingDirectory')).toEqual([INSTALLED]);
  expect(s.get('Environment')).toContain('RDMA_CHAOS_STORE=/var/lib/rdma-chaos/store');
  expect(s.get('StateDirectory')).toEqual(['rdma-chaos']);
  expect(s.get('EnvironmentFile')).toEqual(['-/etc/rdma-chaos/nightly.env']);
  expect(s.get('StandardOutput')).toEqual(['journal']);
  expect(s.get('SuccessExitStatus')).toEqual(['1 2']);
  const t = section(read('rdma-chaos-nightly.timer'), 'Timer');
  expect(t.get('Unit')).toEqual(['rdma-chaos-nightly.service']);
  expect(t.get('OnCalendar')).toEqual(['*-*-* 02:30:00']);
  expect(section(read('rdma-chaos-nightly.timer'), 'Install').get('WantedBy')).toEqual(['timers.target']);
});

test('the cron line has five valid time fields, a user, and a command whose script exists', () => {
  const lines = read('rdma-chaos.cron').split('\n').filter((l) => l.trim() && !l.startsWith('#') && !/^[A-Z]+=/.test(l));
  expect(lines).toHaveLength(1);
  const [min, hour, dom, mon, dow, user, ...cmd] = lines[0]!.trim().split(/\s+/);
  const field = (v: string | undefined, lo: number, hi: number): boolean =>
    v !== undefined && v.split(',').every((p) => p === '*' || (/^\d+(-\d+)?$/.test(p) && p.split('-').every((x) => Number(x) >= lo && Number(x) <= hi)));
  expect([field(min, 0, 59), field(hour, 0, 23), field(dom, 1, 31), field(mon, 1, 12), field(dow, 0, 7)]).toEqual([true, true, true, true, true]);
  expect(`${min} ${hour}`).toBe('30 2');
  expect(user).toBe('root');
  const script = cmd.find((w) => w.endsWith('nightly.sh'))!;
  expect(script).toBe(`${INSTALLED}/harness/setup/schedule/nightly.sh`);
  fs.accessSync(local(script), fs.constants.X_OK);
  expect(cmd.slice(0, 2)).toEqual(['flock', '-n']);
});

test('nightly.sh is valid bash, and starts `rdma-chaos nightly` on a suite that loads', async () => {
  execFileSync('bash', ['-n', path.join(DIR, 'nightly.sh')]);
  const m = /SUITE="\$\{RDMA_CHAOS_SUITE:-([^}]*)\}"/.exec(read('nightly.sh'));
  const { loadSuite } = await import('../campaign');
  expect(loadSuite(path.join(ROOT, m![1]!)).entries.length).toBeGreaterThanOrEqual(30);
  expect(read('nightly.sh')).toMatch(/nightly "\$ROOT\/\$SUITE" --store "\$STORE" --resume --keep/);
  // every option it passes is one `nightly` has
  const { runCli } = await import('../main');
  let help = '';
  await runCli(['nightly', '--help'], { stdout: { write: (t: string) => ((help += t), true) } as unknown as NodeJS.WritableStream });
  const line = /^exec node .* nightly (.*)$/m.exec(read('nightly.sh'))![1]!;
  for (const opt of line.match(/--[a-z-]+/g)!) expect({ opt, known: help.includes(`${opt} `) }).toEqual({ opt, known: true });
});

function nightly(env: Record<string, string>): { code: number | null; out: string; err: string } {
  const r = spawnSync(path.join(DIR, 'nightly.sh'), [], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('nightly.sh refuses a credentials file others can read, in one line naming it', () => {
  const env = path.join(tmp, 'open.env');
  fs.writeFileSync(env, 'RDMA_CHAOS_INFLUX_PASSWORD=hunter2\n');
  fs.chmodSync(env, 0o640);
  const r = nightly({ RDMA_CHAOS_ENV_FILE: env, RDMA_CHAOS_STORE: path.join(tmp, 'store0') });
  expect(r.code).toBe(254);
  expect(r.err).toBe(`rdma-chaos-nightly: ${env}: permissions 640 are too open (want 600: it holds credentials)\n`);
  expect(fs.existsSync(path.join(tmp, 'store0'))).toBe(false);
});

test('nightly.sh takes its suite from a 0600 file and ends with the night\'s exit code', () => {
  const env = path.join(tmp, 'ok.env');
  // a suite that does not exist is refused at once with 254, no cluster needed
  fs.writeFileSync(env, 'RDMA_CHAOS_SUITE="campaigns/does-not-exist.yaml"\n');
  fs.chmodSync(env, 0o600);
  const store = path.join(tmp, 'store1');
  const r = nightly({ RDMA_CHAOS_ENV_FILE: env, RDMA_CHAOS_STORE: store });
  expect(r.err).toMatch(/^rdma-chaos: .*campaigns\/does-not-exist\.yaml: no such file or directory \[suite\.unreadable\]\n$/);
  expect(r.code).toBe(254);
  expect(fs.existsSync(store)).toBe(false);
});
