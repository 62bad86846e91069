// Where the metrics go: an InfluxDB 1.x URL plus credentials from the environment, or from
// 0600 files named by RDMA_CHAOS_INFLUX_USER_FILE / RDMA_CHAOS_INFLUX_PASSWORD_FILE. Credentials
// never travel in the URL (command lines are visible to every user) and are never printed.
import { InfluxDB } from 'influx';
import { InputError, secretFromEnv } from '../../harness/core';

export const ENV_USER = 'RDMA_CHAOS_INFLUX_USER';
export const ENV_PASSWORD = 'RDMA_CHAOS_INFLUX_PASSWORD';
export const DEFAULT_DATABASE = 'rdma_chaos';

export interface InfluxTarget {
  protocol: 'http' | 'https';
  host: string;
  port: number;
  /** path prefix before the database segment, e.g. behind a proxy */
  path: string;
  database: string;
  username?: string;
  password?: string;
  /** the URL as printed: no credentials, ever */
  display: string;
}

export interface TargetOptions {
  url: string;
  /** overrides the database named by the URL's last path segment */
  database?: string;
  env?: NodeJS.ProcessEnv;
}

/** http(s)://host[:port][/path]/[database] → a target; credentials come from env only. */
export function influxTarget(o: TargetOptions): InfluxTarget {
  let u: URL;
  try {
    u = new URL(o.url);
  } catch {
    throw new InputError('influx.badUrl', `--influx: "${stripCredentials(o.url)}" is not a URL (expected http://HOST:PORT/DATABASE)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InputError('influx.badUrl', `--influx: ${u.protocol} is not supported (http or https)`);
  if (u.username || u.password) {
    throw new InputError('influx.credentialsInUrl', `--influx: put credentials in ${ENV_USER} and ${ENV_PASSWORD} (or ${ENV_PASSWORD}_FILE, a 0600 file), not in the URL (${stripCredentials(o.url)}): command lines are visible to every user`);
  }
  const segs = u.pathname.split('/').filter(Boolean);
  const database = o.database ?? (segs.length ? decodeURIComponent(segs.pop()!) : DEFAULT_DATABASE);
  const protocol = u.protocol === 'https:' ? 'https' : 'http';
  const port = u.port ? Number(u.port) : protocol === 'https' ? 443 : 8086;
  const env = o.env ?? process.env;
  const t: InfluxTarget = {
    protocol,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    path: segs.length ? '/' + segs.join('/') : '',
    database,
    display: `${protocol}://${u.host}${segs.length ? '/' + segs.join('/') : ''}/${encodeURIComponent(database)}`,
  };
  const user = secretFromEnv(env, ENV_USER);
  const pass = secretFromEnv(env, ENV_PASSWORD);
  if (user) t.username = user;
  if (pass) t.password = pass;
  return t;
}

/** A URL with any user:password@ removed, for messages. */
export function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, '$1');
}

/** An error message from the client with the credentials blanked, should a server echo them. */
export function scrub(message: string, t: InfluxTarget): string {
  let m = stripCredentials(message);
  for (const secret of [t.password, t.username]) if (secret) m = m.split(secret).join('***');
  // the 1.x client sends credentials as HTTP basic auth (and older ones as u= / p= query
  // parameters): a server or proxy that echoes the request quotes them, base64 or not
  return m.replace(/\b(Basic|Bearer|Token)\s+[A-Za-z0-9+/=._-]+/gi, '$1 ***').replace(/([?&][up]=)[^&\s"]*/g, '$1***');
}

export function openClient(t: InfluxTarget, requestTimeoutMs: number): InfluxDB {
  return new InfluxDB({
    protocol: t.protocol,
    host: t.host,
    port: t.port,
    path: t.path,
    database: t.database,
    // undefined would make the client fall back to root/root
    username: t.username ?? '',
    password: t.password ?? '',
    pool: { maxRetries: 0, requestTimeout: requestTimeoutMs },
  });
}
