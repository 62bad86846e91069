// The ssh driver's inventory: a YAML file of existing hosts. Validated with zod; every error
// names the file and the line of the offending field. Secrets (key passphrases) are never in
// the file: it names an environment variable, and only that name is ever printed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { z } from 'zod';
import { MAX_TEXT_NESTING, checkSecretFile, inputAt, InputError, nestingTooDeep } from '../../core';
import { HOST_KEY_TYPES, knownHostsNames, parseHostKeyLine, readKnownHostsEntry, type PinnedKey } from './hostkeys';

const railSchema = z
  .object({
    netdev: z.string().regex(/^[A-Za-z0-9_.:-]{1,15}$/, 'expected a network interface name (1-15 characters)'),
    address: z
      .string()
      .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'expected an IPv4 address with prefix, e.g. 10.77.0.1/24'),
    rdmaDevice: z.string().min(1).optional(),
  })
  .strict();

const argvSchema = z.array(z.string().min(1)).min(1, 'expected a command as an argument array, e.g. [ipmitool, -E, chassis, power, off]');

/** Out-of-band power control, run on the controller (IPMI, a PDU, a hypervisor): what the crash
 *  fault needs, since a host cannot restart itself once it is down. */
const powerSchema = z
  .object({
    /** stops the host at once, no clean shutdown */
    off: argvSchema,
    /** starts it again; then SSH and every rail's RDMA port must come back */
    on: argvSchema,
    /** seconds from `on` to SSH answering and the ports ACTIVE */
    bootTimeout: z.number().positive().max(3600).default(300),
  })
  .strict();

const hostSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected a node name (letters, digits, _ . -)'),
    address: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().min(1).default('root'),
    /** path to the private key, relative to the inventory file */
    key: z.string().min(1),
    /** environment variable holding the key's passphrase */
    passphraseEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name').optional(),
    /** the pinned host key, `ssh-ed25519 AAAA...` */
    hostKey: z.string().min(1).optional(),
    /** or a known_hosts-style file holding it, relative to the inventory file (default: the inventory's) */
    knownHosts: z.string().min(1).optional(),
    rails: z.array(railSchema).default([]),
    power: powerSchema.optional(),
  })
  .strict();

const inventorySchema = z
  .object({
    /** seconds to wait for TCP connect plus SSH handshake */
    connectTimeout: z.number().positive().max(120).default(4),
    /** pins of hosts with neither hostKey nor knownHosts, and where learned pins go */
    knownHosts: z.string().min(1).default('known_hosts'),
    hosts: z.array(hostSchema).min(1, 'expected at least one host'),
  })
  .strict();

export interface InventoryRail {
  netdev: string;
  address: string;
  rdmaDevice?: string;
}

export interface InventoryPower {
  off: string[];
  on: string[];
  bootTimeoutMs: number;
}

export interface InventoryHost {
  name: string;
  address: string;
  port: number;
  user: string;
  /** absolute path of the private key */
  keyPath: string;
  passphraseEnv?: string;
  /** every key this host may present; empty only when trusting on first use */
  hostKeys: PinnedKey[];
  /** the known_hosts file its pins come from, where a learned pin is written (none: inline hostKey) */
  pinFile?: string;
  /** keys revoked for it there (@revoked): never trusted, not even on first use */
  revokedKeys?: { key: PinnedKey; line: number }[];
  rails: InventoryRail[];
  /** absent: the crash fault cannot target this host */
  power?: InventoryPower;
}

export interface InventoryOptions {
  /** a host with no pin is let in: its first key is learned (written to its pinFile) */
  trustOnFirstUse?: boolean;
}

export interface Inventory {
  file: string;
  connectTimeoutMs: number;
  hosts: InventoryHost[];
}

export function loadInventory(file: string, o: InventoryOptions = {}): Inventory {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e: unknown) {
    throw new InputError('cluster.inventory', `${file}: cannot read inventory: ${(e as Error).message}`);
  }
  return parseInventory(text, file, o);
}

export function parseInventory(text: string, file: string, o: InventoryOptions = {}): Inventory {
  // the YAML library can die outright (not throw) on a text nested 10,000 deep
  const deep = nestingTooDeep(text);
  if (deep !== undefined) throw inputAt('cluster.inventory', file, deep, `invalid YAML: nested deeper than ${MAX_TEXT_NESTING} levels`);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, logLevel: 'error' });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const line = lines.linePos(err.pos[0]).line;
    throw inputAt('cluster.inventory', file, line, `invalid YAML: ${err.message.split('\n')[0]}`);
  }
  // Line of the node at `p`, or of its nearest existing parent (a missing field's mapping).
  const lineOf = (p: ReadonlyArray<PropertyKey>): number | undefined => {
    for (let n = p.length; n >= 0; n--) {
      const node = doc.getIn(p.slice(0, n) as Array<string | number>, true);
      if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
    }
    return undefined;
  };
  let data: unknown;
  try {
    // aliases resolve here: one to a later anchor, or an alias bomb, throws from the library
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e: unknown) {
    throw inputAt('cluster.inventory', file, undefined, `invalid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const parsed = inventorySchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = fieldName(issue.path);
    throw inputAt('cluster.inventory', file, lineOf(issue.path), `${field ? `${field}: ` : ''}${issue.message}`);
  }
  const dir = path.dirname(path.resolve(file));
  const seen = new Set<string>();
  const hosts = parsed.data.hosts.map((h, i): InventoryHost => {
    const at = (field: string, what: string): InputError =>
      inputAt('cluster.inventory', file, lineOf(['hosts', i, field]), `hosts[${i}].${field}: ${what}`);
    if (seen.has(h.name)) throw at('name', `duplicate host name "${h.name}"`);
    seen.add(h.name);
    const keyPath = path.resolve(dir, h.key);
    if (!fs.existsSync(keyPath)) throw at('key', `private key file ${keyPath} does not exist`);
    // as OpenSSH does: a key others can read is not a secret any more
    checkSecretFile(keyPath, 'a private key');
    if (h.passphraseEnv && process.env[h.passphraseEnv] === undefined) {
      throw at('passphraseEnv', `environment variable ${h.passphraseEnv} is not set`);
    }
    if (h.hostKey && h.knownHosts) throw at('knownHosts', 'pin the host key with at most one of hostKey or knownHosts');
    let hostKeys: PinnedKey[];
    let pinFile: string | undefined;
    let revokedKeys: NonNullable<InventoryHost['revokedKeys']> = [];
    if (h.hostKey) {
      const k = parseHostKeyLine(h.hostKey);
      if (!k) throw at('hostKey', 'expected a public key such as "ssh-ed25519 AAAA..."');
      if (!HOST_KEY_TYPES.includes(k.type)) throw at('hostKey', `key type ${k.type} is not supported (${HOST_KEY_TYPES.join(', ')})`);
      hostKeys = [k];
    } else {
      // the host's own file, else the inventory's; an absent file pins nothing (yet)
      pinFile = path.resolve(dir, h.knownHosts ?? parsed.data.knownHosts);
      const entry = readKnownHostsEntry(pinFile, h.address, h.port, { missingOk: true });
      hostKeys = entry.keys.filter((k) => HOST_KEY_TYPES.includes(k.type));
      revokedKeys = entry.revoked;
      const name = knownHostsNames(h.address, h.port)[0];
      const field = h.knownHosts ? 'knownHosts' : 'name';
      // a host pinned to keys we cannot verify is pinned all the same: never learned over
      if (hostKeys.length === 0 && entry.keys.length > 0) {
        throw at(field, `${pinFile} has no supported key for ${name} (it pins ${entry.keys.map((k) => k.type).join(', ')}; supported: ${HOST_KEY_TYPES.join(', ')})`);
      }
      if (hostKeys.length === 0 && !o.trustOnFirstUse) {
        throw inputAt(
          'cluster.hostKeyUnknown',
          file,
          lineOf(['hosts', i, field]),
          `hosts[${i}].${field}: node ${h.name} (${h.user}@${h.address}:${h.port}) has no pinned host key: ${pinFile} has no supported key for ${name}; ` +
            `pin it (hostKey: "ssh-ed25519 AAAA...", or \`ssh-keyscan${h.port === 22 ? '' : ` -p ${h.port}`} ${h.address} >> ${pinFile}\` and compare the fingerprint), or pass --trust-on-first-use`,
        );
      }
    }
    return {
      name: h.name,
      address: h.address,
      port: h.port,
      user: h.user,
      keyPath,
      passphraseEnv: h.passphraseEnv,
      hostKeys,
      ...(pinFile ? { pinFile } : {}),
      revokedKeys,
      rails: h.rails,
      ...(h.power ? { power: { off: h.power.off, on: h.power.on, bootTimeoutMs: h.power.bootTimeout * 1000 } } : {}),
    };
  });
  return { file, connectTimeoutMs: parsed.data.connectTimeout * 1000, hosts };
}

function fieldName(p: ReadonlyArray<PropertyKey>): string {
  let s = '';
  for (const part of p) s += typeof part === 'number' ? `[${part}]` : `${s ? '.' : ''}${String(part)}`;
  return s;
}
