// Credentials (InfluxDB's user and password, an SSH key and its passphrase) come from the
// environment or from files only their owner can read, as OpenSSH holds a private key: a file
// that group or others may read is refused, naming it. Nothing here prints a secret, and
// `redactor` blanks the known ones in any text a run writes (logs, results, reports).
import * as fs from 'node:fs';
import { InputError } from './errors';

/** `NAME_FILE=/path` stands for `NAME=<the file's content>` (the Docker and Kubernetes convention) */
export const FILE_SUFFIX = '_FILE';

/** Refuses a credentials file that group or others may read or write. */
export function checkSecretFile(file: string, what: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e: unknown) {
    throw new InputError('secrets.unreadable', `${file}: cannot read ${what}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (!st.isFile()) throw new InputError('secrets.unreadable', `${file}: ${what} is not a regular file`);
  const mode = st.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new InputError('secrets.filePermissions', `${file}: permissions ${mode.toString(8).padStart(4, '0')} are too open for ${what} (group or others may read it): chmod 600 ${file}`);
  }
}

/** The content of a 0600 credentials file, without its trailing newline. */
export function readSecretFile(file: string, what: string): string {
  checkSecretFile(file, what);
  try {
    return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (e: unknown) {
    throw new InputError('secrets.unreadable', `${file}: cannot read ${what}: ${(e as Error).message}`);
  }
}

/**
 * A credential from `NAME` or from the 0600 file `NAME_FILE` names; undefined when neither is
 * set. Both set is ambiguous and refused (the file may be the newer one, or the variable).
 */
export function secretFromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const direct = env[name];
  const file = env[name + FILE_SUFFIX];
  if (direct !== undefined && direct !== '' && file) throw new InputError('secrets.ambiguous', `both ${name} and ${name}${FILE_SUFFIX} are set: keep one`);
  if (file) return readSecretFile(file, name);
  return direct === '' ? undefined : direct;
}

/** user:password@ in a URL, the way command lines and campaign files leak credentials */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s@/?#]*@/gi;

/** an Authorization header's value: HTTP basic auth is user:password in base64 */
const AUTH_HEADER = /\b(Basic|Bearer|Token)\s+[A-Za-z0-9+/=._-]{8,}/g;

/**
 * A function that blanks every known secret in a text, and credentials in any URL. Secrets
 * shorter than 4 characters are not searched for (they would blank ordinary words).
 */
export function redactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const known = [...new Set(secrets.filter((s): s is string => s !== undefined && s.length >= 4))].sort((a, b) => b.length - a.length);
  return (text) => {
    let t = text.replace(URL_CREDENTIALS, '$1***@').replace(AUTH_HEADER, '$1 ***');
    for (const s of known) if (t.includes(s)) t = t.split(s).join('***');
    return t;
  };
}

/** the environment variables that hold credentials rdma-chaos reads */
export const SECRET_ENV = ['RDMA_CHAOS_INFLUX_USER', 'RDMA_CHAOS_INFLUX_PASSWORD'] as const;

/**
 * The secrets a run may hold, from the environment (and their _FILE files), plus any names the
 * caller adds (an ssh inventory's passphraseEnv variables): what `redactor` should blank.
 */
export function knownSecrets(env: NodeJS.ProcessEnv, extraNames: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const name of [...SECRET_ENV, ...extraNames]) {
    const v = env[name];
    if (v) out.push(v);
    const f = env[name + FILE_SUFFIX];
    if (f) {
      try {
        out.push(fs.readFileSync(f, 'utf8').replace(/\r?\n$/, ''));
      } catch {
        /* an unreadable file holds nothing to redact; reading it for real says why */
      }
    }
  }
  return out;
}
