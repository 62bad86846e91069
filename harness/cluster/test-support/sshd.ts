// Real SSH hosts for tests: each host is a network namespace running its own sshd, joined to
// the host by a control bridge (the host side has an address, so the controller connects
// over it) and by one bridge per rail (the data network that cable pulls and nft act on).
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { hostRxe, must, run, stopPid, waitFor } from './host';
import { Fixture, sweepStale } from './registry';

export interface SshHostsOptions {
  hosts?: number;
  rails?: number;
  /** host index (0-based) whose client key is passphrase-protected (passphrase via env) */
  encryptedKeyHost?: number;
}

export interface SshTestHost {
  name: string;
  netns: string;
  /** control address sshd listens on */
  address: string;
  port: number;
  hostPub: string;
  rails: Array<{ netdev: string; address: string; rdmaDevice?: string }>;
}

export interface SshHosts {
  /** names of everything created contain it (netns rc-ssh-ID-N, links rcbID*, rcvID*) */
  id: string;
  dir: string;
  hosts: SshTestHost[];
  /** an inventory file for all hosts, host keys pinned inline */
  inventory: string;
  clientKey: string;
  encryptedKey: string;
  /** env var that holds encryptedKey's passphrase */
  passphraseEnv: string;
  /** write another inventory file (for error cases) next to the keys */
  writeInventory(name: string, yaml: string): string;
  /** cut every SSH connection to host i (its sshd keeps listening): a dropped link, as a client sees it */
  dropConnections(i: number): Promise<void>;
  /** host i reinstalled, as a client sees it: its sshd restarted with a new host key (returned, also in hosts[i].hostPub) */
  replaceHostKey(i: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startSshHosts(opts: SshHostsOptions = {}): Promise<SshHosts> {
  const n = opts.hosts ?? 2;
  const rails = opts.rails ?? 1;
  await sweepStale();
  fs.mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege-separation dir
  const id = randomBytes(2).toString('hex');
  const fx = new Fixture(`ssh-${id}`);
  try {
    return await build(fx, id, n, rails, opts.encryptedKeyHost ?? 1);
  } catch (e: unknown) {
    await fx.teardown();
    throw e;
  }
}

async function build(fx: Fixture, id: string, n: number, rails: number, encHost: number): Promise<SshHosts> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rc-ssh-${id}-`));
  fx.add('dirs', dir);
  const octet = await freeOctet();
  const net10 = (sub: number, host: number): string => `10.${octet}.${sub}.${host}`;

  // client keys: one plain, one passphrase-protected (few KDF rounds: a test, not a vault)
  const clientKey = path.join(dir, 'id_ed25519');
  const encryptedKey = path.join(dir, 'id_ed25519_enc');
  const passphrase = randomBytes(12).toString('hex');
  const passphraseEnv = `RC_TEST_SSH_PASSPHRASE_${id.toUpperCase()}`;
  process.env[passphraseEnv] = passphrase;
  await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'rc-test', '-f', clientKey]);
  await must('ssh-keygen', ['-q', '-t', 'ed25519', '-a', '4', '-N', passphrase, '-C', 'rc-test-enc', '-f', encryptedKey]);
  const authorized = path.join(dir, 'authorized_keys');
  fs.writeFileSync(authorized, fs.readFileSync(`${clientKey}.pub`, 'utf8') + fs.readFileSync(`${encryptedKey}.pub`, 'utf8'));

  // bridges: control (host address .254) and one per rail (no host address)
  const ctlBridge = `rcb${id}c`;
  await must('ip', ['link', 'add', ctlBridge, 'type', 'bridge']);
  fx.add('links', ctlBridge);
  await must('ip', ['addr', 'add', `${net10(0, 254)}/24`, 'dev', ctlBridge]);
  await must('ip', ['link', 'set', ctlBridge, 'up']);
  const railBridges: string[] = [];
  for (let r = 0; r < rails; r++) {
    const br = `rcb${id}r${r}`;
    await must('ip', ['link', 'add', br, 'type', 'bridge']);
    fx.add('links', br);
    await must('ip', ['link', 'set', br, 'up']);
    railBridges.push(br);
  }

  const rxe = hostRxe();
  const hosts: SshTestHost[] = [];
  const listeners: number[] = [];
  for (let i = 1; i <= n; i++) {
    const ns = `rc-ssh-${id}-${i}`;
    await must('ip', ['netns', 'add', ns]);
    fx.add('netns', ns);
    await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const plug = async (hostSide: string, nsSide: string, bridge: string, addr: string): Promise<void> => {
      await must('ip', ['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide, 'netns', ns]);
      fx.add('links', hostSide);
      await must('ip', ['link', 'set', hostSide, 'master', bridge, 'up']);
      await must('ip', ['-n', ns, 'addr', 'add', addr, 'dev', nsSide]);
      await must('ip', ['-n', ns, 'link', 'set', nsSide, 'up']);
    };
    await plug(`rcv${id}${i}c`, 'ctl0', ctlBridge, `${net10(0, i)}/24`);
    const hostRails: SshTestHost['rails'] = [];
    for (let r = 0; r < rails; r++) {
      const netdev = `rail${r}`;
      const address = `${net10(r + 1, i)}/24`;
      await plug(`rcv${id}${i}r${r}`, netdev, railBridges[r], address);
      let rdmaDevice: string | undefined;
      if (rxe.available) {
        rdmaDevice = `rc${id}n${i}r${r}`;
        await must('ip', ['netns', 'exec', ns, 'rdma', 'link', 'add', rdmaDevice, 'type', 'rxe', 'netdev', netdev]);
      }
      hostRails.push({ netdev, address, rdmaDevice });
    }

    const hdir = path.join(dir, `host${i}`);
    fs.mkdirSync(hdir);
    const hostKey = path.join(hdir, 'ssh_host_ed25519_key');
    await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
    const conf = path.join(hdir, 'sshd_config');
    fs.writeFileSync(
      conf,
      [
        `ListenAddress ${net10(0, i)}:22`,
        `HostKey ${hostKey}`,
        `PidFile ${path.join(hdir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${authorized}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'Subsystem sftp /usr/lib/openssh/sftp-server',
        '',
      ].join('\n'),
    );
    listeners.push(await startSshd(fx, ns, conf, hdir, net10(0, i)));
    hosts.push({
      name: `h${i}`,
      netns: ns,
      address: net10(0, i),
      port: 22,
      hostPub: fs.readFileSync(`${hostKey}.pub`, 'utf8').trim(),
      rails: hostRails,
    });
  }

  const inventory = path.join(dir, 'inventory.yaml');
  fs.writeFileSync(inventory, inventoryYaml(hosts, (i) => (i === encHost ? encryptedKey : clientKey), passphraseEnv, encHost));
  return {
    id,
    dir,
    hosts,
    inventory,
    clientKey,
    encryptedKey,
    passphraseEnv,
    dropConnections: async (i) => {
      // each connection is a child of the listener; pkill exits 1 when there was none
      await run('pkill', ['-KILL', '-P', String(listeners[i])]);
    },
    replaceHostKey: async (i) => {
      const ns = hosts[i]!.netns;
      const hdir = path.join(dir, `host${i + 1}`);
      const conf = path.join(hdir, 'sshd_config');
      const hostKey = path.join(hdir, 'ssh_host_ed25519_key');
      await stopPid(listeners[i]!, conf);
      fs.rmSync(hostKey);
      fs.rmSync(`${hostKey}.pub`);
      await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
      listeners[i] = await startSshd(fx, ns, conf, hdir, hosts[i]!.address);
      return (hosts[i]!.hostPub = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim());
    },
    writeInventory: (name, yaml) => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, yaml);
      return f;
    },
    stop: async () => {
      delete process.env[passphraseEnv];
      const problems = await fx.teardown();
      if (problems.length) throw new Error(`ssh fixture teardown left: ${problems.join('; ')}`);
    },
  };
}

/** sshd in netns `ns`, recorded for teardown; resolves once it listens on `address`:22 */
async function startSshd(fx: Fixture, ns: string, conf: string, hdir: string, address: string): Promise<number> {
  // `ip netns exec` execs sshd in place, so the child's PID is sshd's
  const child = spawn('ip', ['netns', 'exec', ns, '/usr/sbin/sshd', '-D', '-f', conf, '-E', path.join(hdir, 'sshd.log')], {
    stdio: 'ignore',
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start sshd in ${ns}`);
  child.unref();
  fx.addPid(pid, conf);
  await waitFor(`sshd in ${ns} to listen`, 10_000, async () => {
    if (child.exitCode !== null) {
      throw new Error(`sshd in ${ns} exited: ${readTail(path.join(hdir, 'sshd.log'))}`);
    }
    return canConnect(address, 22);
  });
  return pid;
}

function inventoryYaml(hosts: SshTestHost[], key: (i: number) => string, passEnv: string, encHost: number): string {
  const lines = ['connectTimeout: 3', 'hosts:'];
  hosts.forEach((h, i) => {
    lines.push(`  - name: ${h.name}`, `    address: ${h.address}`, `    port: ${h.port}`, '    user: root');
    lines.push(`    key: ${JSON.stringify(key(i))}`);
    if (i === encHost) lines.push(`    passphraseEnv: ${passEnv}`);
    lines.push(`    hostKey: ${JSON.stringify(h.hostPub)}`, '    rails:');
    for (const r of h.rails) {
      lines.push(`      - netdev: ${r.netdev}`, `        address: ${r.address}`);
      if (r.rdmaDevice) lines.push(`        rdmaDevice: ${r.rdmaDevice}`);
    }
  });
  return lines.join('\n') + '\n';
}

/** A 10.X.0.0/16 that no host interface uses. */
async function freeOctet(): Promise<number> {
  const used = await must('ip', ['-4', '-o', 'addr', 'show']);
  for (let tries = 0; tries < 50; tries++) {
    const x = 200 + Math.floor(Math.random() * 50);
    if (!used.includes(` 10.${x}.`)) return x;
  }
  throw new Error('no free 10.X.0.0/16 for the ssh fixture');
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function readTail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '(no log)';
  }
}

/** Exposed for the teardown test: is anything of fixture `id` still on the host? */
export async function leftovers(id: string): Promise<string[]> {
  const out: string[] = [];
  const ns = await run('ip', ['netns', 'list']);
  out.push(...ns.stdout.split('\n').filter((l) => l.includes(`rc-ssh-${id}`)));
  const links = await run('ip', ['-o', 'link', 'show']);
  out.push(...links.stdout.split('\n').filter((l) => l.includes(`rcb${id}`) || l.includes(`rcv${id}`)));
  return out;
}
