// Fuzzing the ssh inventory parser (issue 16): mutations of valid inventories, as data and as
// text. Each one parses, or is refused with one clear line naming the file: never a crash.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { clearOrValid, fuzzParams, mutatedText, mutatedValue } from '../../test-support';
import { parseInventory } from '.';

let dir: string;
let texts: string[];
const file = (): string => path.join(dir, 'inventory.yaml');

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-invfuzz-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'x', '-f', path.join(dir, 'id')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hk', '-f', path.join(dir, 'hk')]);
  const pub = fs.readFileSync(path.join(dir, 'hk.pub'), 'utf8').trim();
  fs.writeFileSync(path.join(dir, 'known_hosts'), `[10.0.0.2]:2222 ${pub}\n10.0.0.3 ${pub}\n@revoked * ssh-rsa AAAAB3NzaC1yc2E=\n`);
  process.env.RC_FUZZ_PASSPHRASE = 'not-a-secret';
  texts = [
    `hosts:\n  - name: a\n    address: 10.0.0.1\n    key: id\n    hostKey: "${pub}"\n`,
    `connectTimeout: 7\nhosts:\n  - name: n1\n    address: 10.0.0.2\n    port: 2222\n    user: chaos\n    key: id\n    passphraseEnv: RC_FUZZ_PASSPHRASE\n    knownHosts: known_hosts\n    rails:\n      - { netdev: data0, address: 10.77.0.1/24, rdmaDevice: rxe0 }\n      - { netdev: data1, address: 10.78.0.1/24 }\n  - name: n2\n    address: 10.0.0.3\n    key: ${path.join(dir, 'id')}\n    knownHosts: known_hosts\n`,
  ];
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  delete process.env.RC_FUZZ_PASSPHRASE;
});

test('the fuzz starts from valid inventories', () => {
  for (const t of texts) expect(parseInventory(t, file()).hosts.length).toBeGreaterThan(0);
});

test('mutated inventory data: an inventory or a clear error', () => {
  let refused = 0;
  fc.assert(
    fc.property(mutatedValue(texts.map((t) => parse(t) as unknown)), (v) => {
      if (clearOrValid(() => parseInventory(stringify(v), file()), /^(cluster|secrets)\./).error) refused++;
    }),
    fuzzParams(1611),
  );
  expect(refused).toBeGreaterThan(1000);
  expect(refused).toBeLessThan(9900);
});

test('mutated inventory text: an inventory or a clear error', () => {
  fc.assert(
    fc.property(mutatedText(texts), (t) => {
      clearOrValid(() => parseInventory(t, file()), /^(cluster|secrets)\./);
    }),
    fuzzParams(1612),
  );
});

// what the campaign fuzz found in the same YAML path, kept as plain cases here
test('an alias to a later anchor is refused in one line, not thrown as a ReferenceError', () => {
  const { error } = clearOrValid(() => parseInventory(texts[0]!.replace('address: 10.0.0.1', 'address: *late\n    user: &late root'), file()), /^(cluster|secrets)\./);
  expect(error?.message).toMatch(/inventory\.yaml: invalid YAML: Unresolved alias/);
});

test('an inventory nested 20,000 deep is refused before the YAML parser sees it', () => {
  const { error } = clearOrValid(() => parseInventory(`hosts: ${'['.repeat(20_000)}1${']'.repeat(20_000)}\n`, file()), /^cluster\./);
  expect(error?.message).toBe(`${file()}:1: invalid YAML: nested deeper than 100 levels`);
});

test('a private key others can read is refused, naming the key file', () => {
  fs.chmodSync(path.join(dir, 'id'), 0o644);
  try {
    expect(clearOrValid(() => parseInventory(texts[0]!, file()), /^secrets\./).error?.message).toMatch(/id: permissions 0644 are too open for a private key/);
  } finally {
    fs.chmodSync(path.join(dir, 'id'), 0o600);
  }
});
