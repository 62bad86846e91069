// --trust-on-first-use against real sshd, as OpenSSH's StrictHostKeyChecking=accept-new: a
// host with no pin is refused without it; with it, let in once and its key written as a pin to
// the known_hosts file beside the inventory; the next connect uses that pin without the flag;
// a host whose key changed since is refused even with the flag, and a revoked key never learned.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChaosError } from '../../core';
import { leftovers, startSshHosts, type SshHosts } from '../test-support';
import { openSshDriver, type SshDriver } from './driver';
import { fingerprint, parseHostKeyLine } from './hostkeys';

jest.setTimeout(60_000);

let hosts: SshHosts;
const drivers: SshDriver[] = [];

beforeAll(async () => {
  hosts = await startSshHosts({ hosts: 1, rails: 1 });
}, 60_000);

afterAll(async () => {
  for (const d of drivers) await d.close();
  const id = hosts?.id;
  await hosts?.stop();
  if (id) expect(await leftovers(id)).toEqual([]);
}, 60_000);

/** an inventory with no pin for h1, alone in its own directory */
function unpinned(sub: string, extra = ''): { file: string; pins: string } {
  fs.mkdirSync(path.join(hosts.dir, sub));
  const h = hosts.hosts[0]!;
  const file = hosts.writeInventory(`${sub}/inventory.yaml`, `connectTimeout: 3\nhosts:\n  - name: n1\n    address: ${h.address}\n    key: ${JSON.stringify(hosts.clientKey)}\n${extra}`);
  return { file, pins: path.join(hosts.dir, sub, 'known_hosts') };
}

function open(file: string, trustOnFirstUse: boolean, log?: (l: string) => void): SshDriver {
  const d = openSshDriver(file, { trustOnFirstUse, ...(log ? { log } : {}) });
  drivers.push(d);
  return d;
}

async function failure(p: Promise<unknown> | (() => unknown)): Promise<ChaosError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e: unknown) {
    if (e instanceof ChaosError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

const fp = (pub: string): string => fingerprint(parseHostKeyLine(pub)!.blob);

test('no pin: refused without the flag; learned and written with it; then pinned without it; a changed key refused even with it', async () => {
  const h = hosts.hosts[0]!;
  const { file, pins } = unpinned('tofu');

  const refused = await failure(() => open(file, false));
  expect(refused).toMatchObject({ code: 'cluster.hostKeyUnknown', exitCode: 254 });
  expect(refused.message).toMatch(/^.*inventory\.yaml:3: hosts\[0\]\.name: node n1 \(root@[\d.]+:22\) has no pinned host key: .*or pass --trust-on-first-use$/);
  expect(refused.message).not.toContain('\n');
  expect(fs.existsSync(pins)).toBe(false);

  const said: string[] = [];
  const first = open(file, true, (l) => said.push(l));
  expect((await first.exec('n1', ['echo', 'first'])).stdout).toBe('first\n');
  // the key it presented, in known_hosts form, 0644 like ssh's; said once on the log
  const [type, b64] = h.hostPub.split(' ');
  expect(fs.readFileSync(pins, 'utf8')).toBe(`${h.address} ${type} ${b64}\n`);
  expect(fs.statSync(pins).mode & 0o777).toBe(0o644);
  expect(said).toEqual([`trusted on first use: node n1 (root@${h.address}:22) presented ssh-ed25519 ${fp(h.hostPub)}; pinned in ${pins}`]);
  await first.close();

  // the next run needs no flag: the pin is read back from the same file
  const second = open(file, false, (l) => said.push(l));
  expect((await second.exec('n1', ['echo', 'second'])).stdout).toBe('second\n');
  expect(said).toHaveLength(1);
  await second.close();

  // the host is reinstalled: a new key where a pin exists is refused, loudly, flag or not
  const old = h.hostPub;
  const fresh = await hosts.replaceHostKey(0);
  for (const trust of [true, false]) {
    const e = await failure(open(file, trust).exec('n1', ['touch', '/tmp/rc-tofu-should-not-exist']));
    expect(e).toMatchObject({ code: 'cluster.hostKeyMismatch', exitCode: 254 });
    expect(e.message).toContain(`presented ssh-ed25519 ${fp(fresh)}, the inventory pins ssh-ed25519 ${fp(old)}`);
    expect(e.message).toContain(`remove its old line from ${pins} (--trust-on-first-use never replaces a pin)`);
  }
  expect(fs.readFileSync(pins, 'utf8')).toBe(`${h.address} ${type} ${b64}\n`);
});

test('a key revoked in the pin file is never learned; a learned pin joins an existing file, keeping its lines and mode', async () => {
  const h = hosts.hosts[0]!;
  const { file, pins } = unpinned('revoked');
  fs.writeFileSync(pins, `@revoked * ${h.hostPub}\n`);
  const e = await failure(open(file, true).exec('n1', ['true']));
  expect(e).toMatchObject({ code: 'cluster.hostKeyRevoked', exitCode: 254 });
  expect(e.message).toMatch(new RegExp(`presented ssh-ed25519 \\S+, revoked at ${pins}:1; refusing to connect$`));
  expect(fs.readFileSync(pins, 'utf8')).toBe(`@revoked * ${h.hostPub}\n`);

  // the host's own knownHosts file: an unrelated line and mode 0600 stay as they were
  const { file: own } = unpinned('own', '    knownHosts: pins\n');
  const ownPins = path.join(hosts.dir, 'own', 'pins');
  fs.writeFileSync(ownPins, 'other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl');
  fs.chmodSync(ownPins, 0o600);
  expect((await open(own, true).exec('n1', ['echo', 'ok'])).stdout).toBe('ok\n');
  const lines = fs.readFileSync(ownPins, 'utf8').split('\n');
  expect(lines).toEqual(['other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl', `${h.address} ${h.hostPub.split(' ').slice(0, 2).join(' ')}`, '']);
  expect(fs.statSync(ownPins).mode & 0o777).toBe(0o600);
  expect(fs.existsSync(path.join(hosts.dir, 'own', 'known_hosts'))).toBe(false);
});

test("the run's cluster stage passes --trust-on-first-use and its log on to the ssh driver", async () => {
  const { acquireCluster } = await import('../../run/cluster');
  const { file, pins } = unpinned('run');
  await expect(acquireCluster(`ssh:${file}`, 1, 1, () => undefined)).rejects.toMatchObject({ code: 'cluster.hostKeyUnknown' });
  const said: string[] = [];
  const c = await acquireCluster(`ssh:${file}`, 1, 1, (l) => said.push(l), { trustOnFirstUse: true });
  drivers.push(c.driver as SshDriver);
  expect((await c.driver.exec('n1', ['echo', 'run'])).stdout).toBe('run\n');
  expect(said).toEqual([expect.stringMatching(new RegExp(`^trusted on first use: node n1 .* pinned in ${pins}$`))]);
});

test('trusting a host that then refuses our key: authFailed, and nothing learned', async () => {
  const { execFileSync } = await import('node:child_process');
  const other = path.join(hosts.dir, 'id_not_authorized');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
  const { file, pins } = unpinned('auth');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(JSON.stringify(hosts.clientKey), JSON.stringify(other)));
  const said: string[] = [];
  expect(await failure(open(file, true, (l) => said.push(l)).exec('n1', ['true']))).toMatchObject({ code: 'cluster.authFailed', exitCode: 254 });
  expect(fs.existsSync(pins)).toBe(false);
  expect(said).toEqual([]);
});
