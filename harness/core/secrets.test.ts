// The credentials rule: from the environment, or from a file only its owner may read (0600 or
// tighter); a wider file is refused in one line naming it. And the redactor that blanks them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkSecretFile, isChaosError, knownSecrets, readSecretFile, redactor, secretFromEnv } from '.';

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-secrets-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string, mode: number): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  fs.chmodSync(f, mode);
  return f;
};
const errorOf = (f: () => unknown): { code: string; message: string; exitCode: number } => {
  try {
    f();
  } catch (e: unknown) {
    if (isChaosError(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
};

test('0600 and 0400 files are read, without their trailing newline', () => {
  expect(readSecretFile(file('a', 'hunter2\n', 0o600), 'the password')).toBe('hunter2');
  expect(readSecretFile(file('b', 'hunter2', 0o400), 'the password')).toBe('hunter2');
});

test.each(['640', '604', '644', '660', '666', '720'])('a %s file is refused, in one line naming it', (octal) => {
  const mode = parseInt(octal, 8);
  const f = file(`wide-${octal}`, 'hunter2\n', mode);
  const e = errorOf(() => readSecretFile(f, 'RDMA_CHAOS_INFLUX_PASSWORD'));
  expect(e.code).toBe('secrets.filePermissions');
  expect(e.exitCode).toBe(254);
  expect(e.message).toBe(`${f}: permissions 0${mode.toString(8)} are too open for RDMA_CHAOS_INFLUX_PASSWORD (group or others may read it): chmod 600 ${f}`);
  expect(e.message).not.toContain('hunter2');
});

test('a missing file or a directory is refused with its own code', () => {
  expect(errorOf(() => checkSecretFile(path.join(dir, 'nope'), 'a private key'))).toMatchObject({ code: 'secrets.unreadable', message: `${path.join(dir, 'nope')}: cannot read a private key: no such file` });
  expect(errorOf(() => checkSecretFile(dir, 'a private key')).code).toBe('secrets.unreadable');
});

test('NAME or NAME_FILE, never both; an empty variable is unset', () => {
  const f = file('pw', 's3cret\n', 0o600);
  expect(secretFromEnv({ P: 'direct' }, 'P')).toBe('direct');
  expect(secretFromEnv({ P_FILE: f }, 'P')).toBe('s3cret');
  expect(secretFromEnv({ P: '' }, 'P')).toBeUndefined();
  expect(secretFromEnv({}, 'P')).toBeUndefined();
  expect(errorOf(() => secretFromEnv({ P: 'direct', P_FILE: f }, 'P')).code).toBe('secrets.ambiguous');
  expect(errorOf(() => secretFromEnv({ P_FILE: file('pw-wide', 's3cret', 0o644) }, 'P')).code).toBe('secrets.filePermissions');
});

test('the redactor blanks known secrets and URL credentials, longest first', () => {
  const env = { RDMA_CHAOS_INFLUX_USER: 'chaos-user', RDMA_CHAOS_INFLUX_PASSWORD_FILE: file('pw2', 'pass-1234-pass\n', 0o600), KEY_PASS: 'ssh-phrase-99' };
  const r = redactor(knownSecrets(env, ['KEY_PASS']));
  expect(r('u=chaos-user&p=pass-1234-pass; passphrase ssh-phrase-99')).toBe('u=***&p=***; passphrase ***');
  expect(r('POST http://alice:pw@10.0.0.1:8086/write?db=x failed')).toBe('POST http://***@10.0.0.1:8086/write?db=x failed');
  expect(r('nothing secret here')).toBe('nothing secret here');
  // too short to search for: it would blank ordinary words
  expect(redactor(['ab'])('ab cab')).toBe('ab cab');
});
