// What the ssh driver does when a host is not what the inventory says, against real sshd:
// unreachable hosts, a host key that does not match the pin, a refused key; and that it keeps
// a single connection per host.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ChaosError } from '../../core';
import { leftovers, startSshHosts, type SshHosts } from '../test-support';
import { openSshDriver, type SshDriver } from './driver';

// sshd in a netns answers slowly when the 2-core host is busy with VMs: no case depends on speed
jest.setTimeout(60_000);

let hosts: SshHosts;
const drivers: SshDriver[] = [];

beforeAll(async () => {
  hosts = await startSshHosts({ hosts: 2, rails: 1 });
}, 60_000);

afterAll(async () => {
  for (const d of drivers) await d.close();
  const id = hosts?.id;
  await hosts?.stop();
  if (id) expect(await leftovers(id)).toEqual([]);
}, 60_000);

function inventory(name: string, fields: Record<string, string | number>): SshDriver {
  const body = Object.entries(fields).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`).join('\n');
  const file = hosts.writeInventory(name, `connectTimeout: 1\nhosts:\n  - name: n1\n${body}\n`);
  const d = openSshDriver(file);
  drivers.push(d);
  return d;
}

async function failure(p: Promise<unknown>): Promise<ChaosError> {
  try {
    await p;
  } catch (e: unknown) {
    if (e instanceof ChaosError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

test('a host with nothing listening is cluster.unreachable (254), one line naming the node', async () => {
  const h = hosts.hosts[0];
  const d = inventory('refused.yaml', { address: h.address, port: 2222, key: hosts.clientKey, hostKey: h.hostPub });
  const e = await failure(d.exec('n1', ['true']));
  expect(e).toMatchObject({ code: 'cluster.unreachable', exitCode: 254 });
  expect(e.message).toMatch(/^node n1 \(root@10\.\d+\.0\.1:2222\): unreachable: .*ECONNREFUSED/);
  expect(e.message).not.toContain('\n');
  // list() reports such a node as down instead of failing
  expect((await d.list())[0].state).toBe('down');
});

test('a host that never answers gives up after the connect timeout', async () => {
  // .99 on the control bridge: nobody answers ARP, so the SYN goes nowhere
  const h = hosts.hosts[0];
  const silent = h.address.replace(/\.1$/, '.99');
  const d = inventory('silent.yaml', { address: silent, key: hosts.clientKey, hostKey: h.hostPub });
  const e = await failure(d.exec('n1', ['true']));
  expect(e).toMatchObject({ code: 'cluster.unreachable', exitCode: 254 });
  expect(e.message).toContain(`node n1 (root@${silent}:22): unreachable`);
}, 15_000);

test('a host presenting another key than the pinned one is refused, naming both fingerprints', async () => {
  const [h1, h2] = hosts.hosts;
  const d = inventory('mismatch.yaml', { address: h1.address, key: hosts.clientKey, hostKey: h2.hostPub });
  const e = await failure(d.exec('n1', ['touch', '/tmp/rc-should-not-exist']));
  expect(e).toMatchObject({ code: 'cluster.hostKeyMismatch', exitCode: 254 });
  const fp = (pub: string): string => {
    const f = path.join(hosts.dir, 'fp.pub');
    fs.writeFileSync(f, pub);
    return execFileSync('ssh-keygen', ['-l', '-f', f]).toString().split(' ')[1];
  };
  expect(e.message).toContain(`presented ssh-ed25519 ${fp(h1.hostPub)}`);
  expect(e.message).toContain(`pins ssh-ed25519 ${fp(h2.hostPub)}`);
  expect(e.message).toMatch(/refusing to connect/);
});

test('a known_hosts file pins the key too; a stale one is refused', async () => {
  const [h1, h2] = hosts.hosts;
  const kh = path.join(hosts.dir, 'known_hosts');
  fs.writeFileSync(kh, `${h1.address} ${h1.hostPub}\n`);
  const ok = inventory('kh.yaml', { address: h1.address, key: hosts.clientKey, knownHosts: kh });
  expect((await ok.exec('n1', ['echo', 'pinned'])).stdout).toBe('pinned\n');
  const stale = path.join(hosts.dir, 'known_hosts_stale');
  fs.writeFileSync(stale, `${h1.address} ${h2.hostPub}\n`);
  const bad = inventory('kh-stale.yaml', { address: h1.address, key: hosts.clientKey, knownHosts: stale });
  expect(await failure(bad.exec('n1', ['true']))).toMatchObject({ code: 'cluster.hostKeyMismatch' });
});

test('a pinned key that an @revoked line revokes (with the usual * pattern) is refused; other revocations are not', async () => {
  const [h1, h2] = hosts.hosts;
  const open = (name: string, text: string): Promise<string> => {
    const kh = path.join(hosts.dir, name);
    fs.writeFileSync(kh, text);
    return Promise.resolve().then(async () => (await inventory(`${name}.yaml`, { address: h1.address, key: hosts.clientKey, knownHosts: kh }).exec('n1', ['echo', 'up'])).stdout);
  };
  const revoked = await failure(open('kh-revoked', `${h1.address} ${h1.hostPub}\n@revoked * ${h1.hostPub}\n`));
  expect(revoked).toMatchObject({ code: 'cluster.inventory', exitCode: 254 });
  expect(revoked.message).toMatch(/kh-revoked:2: host key for .* is revoked/);
  // a revoked key the host does not present, and a revocation whose pattern excludes this host
  expect(await open('kh-other', `@revoked * ${h2.hostPub}\n${h1.address} ${h1.hostPub}\n`)).toBe('up\n');
  expect(await open('kh-neg', `@revoked *,!${h1.address} ${h1.hostPub}\n${h1.address} ${h1.hostPub}\n`)).toBe('up\n');
});

test('a key the host does not accept is cluster.authFailed', async () => {
  const h = hosts.hosts[0];
  const other = path.join(hosts.dir, 'id_unknown');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
  const d = inventory('auth.yaml', { address: h.address, key: other, hostKey: h.hostPub });
  expect(await failure(d.exec('n1', ['true']))).toMatchObject({ code: 'cluster.authFailed', exitCode: 254 });
});

test('an encrypted key works with its passphrase from the environment, never printed', async () => {
  const h = hosts.hosts[0];
  const d = inventory('enc.yaml', { address: h.address, key: hosts.encryptedKey, passphraseEnv: hosts.passphraseEnv, hostKey: h.hostPub });
  expect((await d.exec('n1', ['echo', 'ok'])).stdout).toBe('ok\n');
  const secret = process.env[hosts.passphraseEnv] as string;
  const wrongEnv = `${hosts.passphraseEnv}_WRONG`;
  process.env[wrongEnv] = 'not-the-passphrase';
  try {
    const w = inventory('enc-wrong.yaml', { address: h.address, key: hosts.encryptedKey, passphraseEnv: wrongEnv, hostKey: h.hostPub });
    const e = await failure(w.exec('n1', ['true']));
    expect(e.code).toBe('cluster.sshKey');
    expect(e.message).not.toContain(secret);
    expect(e.message).not.toContain('not-the-passphrase');
  } finally {
    delete process.env[wrongEnv];
  }
});

test('one SSH connection per host is opened and reused', async () => {
  const d = openSshDriver(hosts.inventory);
  drivers.push(d);
  const h = hosts.hosts[1]; // no other test in this file connects to h2
  await Promise.all(Array.from({ length: 12 }, (_, i) => d.exec(h.name, ['echo', String(i)])));
  for (let i = 0; i < 3; i++) await d.exec(h.name, ['true']);
  // count established sessions to sshd from the node's own view
  const ss = await d.exec(h.name, ['ss', '-Htn', 'state', 'established', `( sport = :22 )`]);
  const lines = ss.stdout.split('\n').filter((l) => l.trim());
  expect(lines).toHaveLength(1);
});
