// Pinned SSH host keys: parsed from an inventory string or a known_hosts-style file, compared
// byte for byte with the key the server presents. Trust on first use (asked for) appends the
// key a host without a pin presented to its known_hosts file, as OpenSSH's accept-new does.
import { createHash, createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import type { ServerHostKeyAlgorithm } from 'ssh2';
import writeFileAtomic from 'write-file-atomic';
import { InfraError, InputError } from '../../core';

export interface PinnedKey {
  /** e.g. ssh-ed25519 */
  type: string;
  /** the raw key blob (the base64 field decoded) */
  blob: Buffer;
}

/** Host key types ssh2 can verify. */
export const HOST_KEY_TYPES: readonly string[] = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'];

/** `ssh-ed25519 AAAA... [comment]` -> key, or undefined when it is not one. */
export function parseHostKeyLine(line: string): PinnedKey | undefined {
  const [type, b64] = line.trim().split(/\s+/);
  if (!type || !b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) return undefined;
  const blob = Buffer.from(b64, 'base64');
  // The blob starts with its own type as an SSH string; it must agree with the label.
  if (blob.length < 4) return undefined;
  const n = blob.readUInt32BE(0);
  if (n + 4 > blob.length || blob.subarray(4, 4 + n).toString('latin1') !== type) return undefined;
  return { type, blob };
}

/** OpenSSH's fingerprint format: SHA256:base64-without-padding. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The type an SSH key blob declares. */
export function blobType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const n = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + n).toString('latin1');
}

/**
 * Keys for `address`/`port` in a known_hosts file: plain or hashed (|1|salt|hmac) host
 * fields, `[addr]:port` for non-22 ports. A pin must name the host exactly (no wildcards), but
 * an @revoked line takes OpenSSH's patterns (`*`, `?`, `!`), as `@revoked * KEY` is the usual
 * form: a pinned key that such a line revokes fails closed, naming that line. @cert-authority
 * lines are ignored (certificates are not supported).
 */
export function readKnownHosts(file: string, address: string, port: number): PinnedKey[] {
  return readKnownHostsEntry(file, address, port).keys;
}

export interface KnownHostsEntry {
  /** the keys pinned for the host */
  keys: PinnedKey[];
  /** keys an @revoked line revokes for it, with that line */
  revoked: { key: PinnedKey; line: number }[];
}

/** readKnownHosts, with the revocations; `missingOk`: an absent file pins nothing */
export function readKnownHostsEntry(file: string, address: string, port: number, o: { missingOk?: boolean } = {}): KnownHostsEntry {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e: unknown) {
    if (o.missingOk && (e as NodeJS.ErrnoException).code === 'ENOENT') return { keys: [], revoked: [] };
    throw new InputError('cluster.inventory', `${file}: cannot read known_hosts: ${(e as Error).message}`);
  }
  const names = knownHostsNames(address, port);
  const keys: PinnedKey[] = [];
  const revoked: { key: PinnedKey; line: number }[] = [];
  text.split('\n').forEach((raw, i) => {
    let line = raw.trim();
    if (!line || line.startsWith('#')) return;
    let marker = '';
    if (line.startsWith('@')) {
      const sp = line.indexOf(' ');
      if (sp < 0) return;
      marker = line.slice(0, sp);
      line = line.slice(sp + 1).trim();
    }
    const sp = line.search(/\s/);
    if (sp < 0) return;
    const hostField = line.slice(0, sp);
    const revokes = marker === '@revoked';
    if (!(revokes ? patternMatches(hostField, names) : hostMatches(hostField, names))) return;
    const key = parseHostKeyLine(line.slice(sp + 1));
    if (!key) throw new InputError('cluster.inventory', `${file}:${i + 1}: malformed host key`);
    if (revokes) revoked.push({ key, line: i + 1 });
    else if (marker === '') keys.push(key);
  });
  for (const r of revoked) {
    if (keys.some((k) => k.blob.equals(r.key.blob))) {
      throw new InputError('cluster.inventory', `${file}:${r.line}: host key for ${names[0]} is revoked`);
    }
  }
  return { keys, revoked };
}

/** how known_hosts names a host: `addr` on port 22 (or `[addr]:22`), else `[addr]:port` */
export function knownHostsNames(address: string, port: number): string[] {
  return port === 22 ? [address, `[${address}]:22`] : [`[${address}]:${port}`];
}

/**
 * Appends a learned pin to a known_hosts file, written whole through a temp file and a rename
 * (write-file-atomic, fsynced) so a kill never leaves it half written. A new file gets 0644, as
 * ssh gives known_hosts (public keys, nothing secret); an existing one keeps its mode.
 */
export function appendKnownHost(file: string, address: string, port: number, key: Buffer): void {
  let text = '';
  let mode = 0o644;
  try {
    text = fs.readFileSync(file, 'utf8');
    mode = fs.statSync(file).mode & 0o777;
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw pinWriteError(file, e);
  }
  if (text !== '' && !text.endsWith('\n')) text += '\n';
  try {
    writeFileAtomic.sync(file, `${text}${knownHostsNames(address, port)[0]} ${blobType(key)} ${key.toString('base64')}\n`, { mode });
  } catch (e: unknown) {
    throw pinWriteError(file, e);
  }
}

/** a full disk or an I/O error is the machine's trouble; a path or permission, the user's */
function pinWriteError(file: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const msg = `${file}: cannot write the learned host key: ${code ?? (e as Error).message}`;
  return code === 'ENOSPC' || code === 'EIO' || code === 'EDQUOT' ? new InfraError('cluster.pinNotWritten', msg) : new InputError('cluster.pinNotWritten', msg);
}

/** a pin's host field: exact names, or a hashed name */
function hostMatches(field: string, names: readonly string[]): boolean {
  if (field.startsWith('|1|')) return hashedMatches(field, names);
  return field.split(',').some((p) => names.includes(p));
}

function hashedMatches(field: string, names: readonly string[]): boolean {
  const [, , salt, hash] = field.split('|');
  if (!salt || !hash) return false;
  return names.some((n) => createHmac('sha1', Buffer.from(salt, 'base64')).update(n).digest('base64') === hash);
}

/** OpenSSH's host patterns: a comma list of `*`/`?` globs, where a matching `!pattern` vetoes */
export function patternMatches(field: string, names: readonly string[]): boolean {
  if (field.startsWith('|1|')) return hashedMatches(field, names);
  let hit = false;
  for (const p of field.split(',')) {
    const neg = p.startsWith('!');
    const re = globToRegExp(neg ? p.slice(1) : p);
    if (!names.some((n) => re.test(n))) continue;
    if (neg) return false;
    hit = true;
  }
  return hit;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** ssh2 algorithm names that make the server present a key of one of these types. */
export function hostKeyAlgorithms(keys: PinnedKey[]): ServerHostKeyAlgorithm[] {
  const out = new Set<ServerHostKeyAlgorithm>();
  for (const k of keys) {
    if (k.type === 'ssh-rsa') (['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] as const).forEach((a) => out.add(a));
    else out.add(k.type as ServerHostKeyAlgorithm); // the inventory admits only HOST_KEY_TYPES
  }
  return [...out];
}
