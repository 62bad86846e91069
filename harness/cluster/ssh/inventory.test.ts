// Inventory parsing: defaults, pinned keys (inline, plain and hashed known_hosts), and errors
// that name the file and the line of the offending field.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChaosError } from '../../core';
import { fingerprint, parseHostKeyLine } from './hostkeys';
import { loadInventory, parseInventory } from './inventory';

let dir: string;
let pub: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-inv-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'x', '-f', path.join(dir, 'id')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hostkey', '-f', path.join(dir, 'hk')]);
  pub = fs.readFileSync(path.join(dir, 'hk.pub'), 'utf8').trim();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const file = (): string => path.join(dir, 'inventory.yaml');
const host = (extra = ''): string =>
  `hosts:\n  - name: a\n    address: 10.1.2.3\n    key: id\n    hostKey: "${pub}"\n${extra}`;

function errorOf(text: string): ChaosError {
  try {
    parseInventory(text, file());
  } catch (e: unknown) {
    if (e instanceof ChaosError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

test('defaults: port 22, user root, 4 s connect timeout, key relative to the file', () => {
  const inv = parseInventory(host('    rails:\n      - netdev: eth1\n        address: 10.77.0.1/24\n        rdmaDevice: rxe0\n'), file());
  expect(inv.connectTimeoutMs).toBe(4000);
  expect(inv.hosts[0]).toMatchObject({ name: 'a', port: 22, user: 'root', keyPath: path.join(dir, 'id') });
  expect(inv.hosts[0].rails).toEqual([{ netdev: 'eth1', address: '10.77.0.1/24', rdmaDevice: 'rxe0' }]);
  expect(fingerprint(inv.hosts[0].hostKeys[0].blob)).toBe(
    execFileSync('ssh-keygen', ['-l', '-f', path.join(dir, 'hk.pub')]).toString().split(' ')[1],
  );
});

test('a wrong field type names the file, the line and the field', () => {
  const e = errorOf(`hosts:\n  - name: a\n    address: 10.1.2.3\n    port: "twenty-two"\n    key: id\n    hostKey: "${pub}"\n`);
  expect(e.code).toBe('cluster.inventory');
  expect(e.exitCode).toBe(254);
  expect(e.message).toMatch(new RegExp(`^${file()}:4: hosts\\[0\\]\\.port: `));
  expect(e.message).not.toContain('\n');
});

test('a missing field points at its host; unknown fields are refused', () => {
  expect(errorOf('hosts:\n  - name: a\n    address: 10.1.2.3\n').message).toMatch(/inventory\.yaml:2: hosts\[0\]\.key: /);
  expect(errorOf(host('    pasword: x\n')).message).toMatch(/inventory\.yaml:2: hosts\[0\]: .*pasword/);
  expect(errorOf('hosts: [\n').message).toMatch(/inventory\.yaml:\d+: invalid YAML/);
});

test('a rail with a bad address names its line', () => {
  const e = errorOf(host('    rails:\n      - netdev: eth1\n        address: 10.77.0.1\n'));
  expect(e.message).toMatch(/inventory\.yaml:8: hosts\[0\]\.rails\[0\]\.address: expected an IPv4 address with prefix/);
});

test('the host key must be pinned at most once, and be a key; an unpinned host is refused naming the way to pin it', () => {
  expect(errorOf(host('    knownHosts: kh\n')).message).toMatch(/:6: hosts\[0\]\.knownHosts: pin the host key with at most one of hostKey or knownHosts/);
  const none = errorOf('hosts:\n  - name: a\n    address: h\n    key: id\n');
  expect(none).toMatchObject({ code: 'cluster.hostKeyUnknown', exitCode: 254 });
  expect(none.message).toBe(
    `${file()}:2: hosts[0].name: node a (root@h:22) has no pinned host key: ${path.join(dir, 'known_hosts')} has no supported key for h; ` +
      `pin it (hostKey: "ssh-ed25519 AAAA...", or \`ssh-keyscan h >> ${path.join(dir, 'known_hosts')}\` and compare the fingerprint), or pass --trust-on-first-use`,
  );
  // trusting on first use, it parses with no pin, and knows where a learned one goes
  expect(parseInventory('hosts:\n  - name: a\n    address: h\n    key: id\n', file(), { trustOnFirstUse: true }).hosts[0]).toMatchObject({ hostKeys: [], pinFile: path.join(dir, 'known_hosts') });
  expect(errorOf(host().replace(pub, 'ssh-ed25519 notbase64!')).message).toMatch(/:5: hosts\[0\]\.hostKey: expected a public key/);
  // a blob whose embedded type disagrees with its label is not a key either
  const [, b64] = pub.split(' ');
  expect(parseHostKeyLine(`ssh-rsa ${b64}`)).toBeUndefined();
  // a well-formed key of a type ssh2 cannot verify is refused up front
  const blob = Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from('ssh-dss'), Buffer.alloc(8)]);
  expect(errorOf(host().replace(pub, `ssh-dss ${blob.toString('base64')}`)).message).toMatch(/hostKey: key type ssh-dss is not supported/);
});

test('missing key file, duplicate names and unset passphrase variables are named', () => {
  expect(errorOf(host().replace('key: id', 'key: nope')).message).toMatch(/:4: hosts\[0\]\.key: private key file .*nope does not exist/);
  const twice = host() + host().replace('hosts:\n', '');
  expect(errorOf(twice).message).toMatch(/:6: hosts\[1\]\.name: duplicate host name "a"/);
  delete process.env.RC_INV_TEST_UNSET;
  const e = errorOf(host('    passphraseEnv: RC_INV_TEST_UNSET\n'));
  expect(e.message).toMatch(/:6: hosts\[0\]\.passphraseEnv: environment variable RC_INV_TEST_UNSET is not set/);
});

test('known_hosts pins: plain and hashed entries, [addr]:port for other ports, @revoked fails closed', () => {
  const kh = path.join(dir, 'known_hosts');
  fs.writeFileSync(kh, `# comment\nother.example ${pub}\n10.1.2.3 ${pub}\n[10.1.2.4]:2222 ${pub}\n`);
  const inv = (addr: string, port: number): string =>
    `hosts:\n  - name: a\n    address: ${addr}\n    port: ${port}\n    key: id\n    knownHosts: known_hosts\n`;
  fs.writeFileSync(file(), inv('10.1.2.3', 22));
  expect(loadInventory(file()).hosts[0].hostKeys).toHaveLength(1);
  fs.writeFileSync(file(), inv('10.1.2.4', 2222));
  expect(loadInventory(file()).hosts[0].hostKeys).toHaveLength(1);
  // port 22 entries do not pin another port
  fs.writeFileSync(file(), inv('10.1.2.3', 2200));
  expect(() => loadInventory(file())).toThrow(/:6: hosts\[0\]\.knownHosts: .* has no supported key for \[10\.1\.2\.3\]:2200/);

  execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
  expect(fs.readFileSync(kh, 'utf8')).not.toContain('10.1.2.4');
  fs.writeFileSync(file(), inv('10.1.2.4', 2222));
  expect(loadInventory(file()).hosts[0].hostKeys[0].blob.toString('base64')).toBe(pub.split(' ')[1]);

  fs.writeFileSync(kh, `@revoked 10.1.2.3 ${pub}\n10.1.2.3 ${pub}\n`);
  fs.writeFileSync(file(), inv('10.1.2.3', 22));
  expect(() => loadInventory(file())).toThrow(/known_hosts:1: host key for 10\.1\.2\.3 is revoked/);
  // @revoked takes OpenSSH's patterns: wildcards, ? and negation
  for (const pattern of ['*', '10.1.2.?', '10.*,other', 'x,10.1.*']) {
    fs.writeFileSync(kh, `10.1.2.3 ${pub}\n@revoked ${pattern} ${pub}\n`);
    expect(() => loadInventory(file())).toThrow(/known_hosts:2: host key for 10\.1\.2\.3 is revoked/);
  }
  for (const pattern of ['*,!10.1.2.3', '10.1.2.4', '10.1.2', '?0.1.2.3x']) {
    fs.writeFileSync(kh, `10.1.2.3 ${pub}\n@revoked ${pattern} ${pub}\n`);
    expect(loadInventory(file()).hosts[0].hostKeys).toHaveLength(1);
  }
  // a pin needs the exact name: a wildcard line pins nothing
  fs.writeFileSync(kh, `* ${pub}\n`);
  expect(() => loadInventory(file())).toThrow(/has no supported key for 10\.1\.2\.3/);
});

test('an unreadable inventory is bad input naming the file', () => {
  expect(() => loadInventory(path.join(dir, 'absent.yaml'))).toThrow(expect.objectContaining({ code: 'cluster.inventory', exitCode: 254 }));
});

test('power commands: argument arrays with a boot timeout (300 s by default); a string or an empty command names its line', () => {
  const inv = parseInventory(host('    power:\n      off: [ipmitool, -E, chassis, power, off]\n      on: [ipmitool, -E, chassis, power, on]\n'), file());
  expect(inv.hosts[0].power).toEqual({ off: ['ipmitool', '-E', 'chassis', 'power', 'off'], on: ['ipmitool', '-E', 'chassis', 'power', 'on'], bootTimeoutMs: 300_000 });
  expect(parseInventory(host(), file()).hosts[0].power).toBeUndefined();
  expect(errorOf(host('    power:\n      off: "ipmitool chassis power off"\n      on: [x]\n')).message).toMatch(/inventory\.yaml:7: hosts\[0\]\.power\.off: /);
  expect(errorOf(host('    power:\n      off: []\n      on: [x]\n')).message).toMatch(/inventory\.yaml:7: hosts\[0\]\.power\.off: expected a command as an argument array/);
});
