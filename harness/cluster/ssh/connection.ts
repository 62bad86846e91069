// One SSH connection per host, opened on first use and reused for every command, with the
// host key pinned. Channels are rationed below OpenSSH's MaxSessions (10) so concurrent
// commands queue instead of failing. Trusting on first use, a host with no pin is let in once
// and the key it presented becomes its pin (written to its known_hosts file), as OpenSSH's
// StrictHostKeyChecking=accept-new: a host with a pin that presents another key is refused.
import * as fs from 'node:fs';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { InfraError, InputError } from '../../core';
import { appendKnownHost, blobType, fingerprint, hostKeyAlgorithms, type PinnedKey } from './hostkeys';
import type { InventoryHost } from './inventory';

const MAX_CHANNELS = 8;

/**
 * The connection went away under a command. `started` says whether the command may have run:
 * one that never started is safe to send again once reconnected; one cut off mid-way has an
 * unknown outcome. Either way it is the testbed's trouble, never bad input.
 */
export class ConnectionDropped extends InfraError {
  constructor(
    message: string,
    readonly started: boolean,
  ) {
    super('cluster.connectionLost', message);
  }
}

export interface SshTrustOptions {
  /** let a host with no pin in once, and pin the key it presented */
  trustOnFirstUse?: boolean;
  /** told of every pin learned, one line each */
  log?: (line: string) => void;
}

export class SshConnection {
  private client?: Client;
  private connecting?: Promise<Client>;
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  /** it answered once: a later failure to reach it is the testbed's trouble, not the inventory's */
  private reachedOnce = false;
  /** the keys it may present: the inventory's, or the one learned on first use */
  private pins: PinnedKey[];

  constructor(
    readonly host: InventoryHost,
    private readonly connectTimeoutMs: number,
    private readonly tofu: SshTrustOptions = {},
  ) {
    this.pins = [...host.hostKeys];
  }

  /** `name (user@address:port)`, how errors name this node */
  get label(): string {
    return `node ${this.host.name} (${this.host.user}@${this.host.address}:${this.host.port})`;
  }

  connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    if (!this.connecting) {
      this.connecting = this.open().then(
        (c) => {
          this.connecting = undefined;
          this.reachedOnce = true;
          return c;
        },
        (e: unknown) => {
          this.connecting = undefined;
          // a node that answered before and is rebooting or stalled: retried by the caller
          if (this.reachedOnce && e instanceof InputError && e.code === 'cluster.unreachable') throw new ConnectionDropped(e.message, false);
          throw e;
        },
      );
    }
    return this.connecting;
  }

  private open(): Promise<Client> {
    const h = this.host;
    let privateKey: Buffer;
    try {
      privateKey = fs.readFileSync(h.keyPath);
    } catch (e: unknown) {
      return Promise.reject(new InputError('cluster.sshKey', `${this.label}: cannot read key ${h.keyPath}: ${(e as Error).message}`));
    }
    /** the key it presented, when we refused it (an accepted key is no reason for a failure) */
    let refused: Buffer | undefined;
    let learned: Buffer | undefined;
    const cfg: ConnectConfig = {
      host: h.address,
      port: h.port,
      username: h.user,
      privateKey,
      passphrase: h.passphraseEnv ? process.env[h.passphraseEnv] : undefined,
      readyTimeout: this.connectTimeoutMs,
      // a TCG guest on a loaded 2-core host can stall for 15 s: 30 s of silence before giving up
      keepaliveInterval: 5000,
      keepaliveCountMax: 6,
      // with no pin yet the server offers its preferred key, as it would to ssh
      ...(this.pins.length ? { algorithms: { serverHostKey: hostKeyAlgorithms(this.pins) } } : {}),
      hostVerifier: (key: Buffer): boolean => {
        const ok = this.pins.length ? this.pins.some((k) => k.blob.equals(key)) : this.tofu.trustOnFirstUse === true && !this.revoked(key);
        if (!ok) refused = key;
        else if (!this.pins.length) learned = key;
        return ok;
      },
    };
    return new Promise<Client>((resolve, reject) => {
      const c = new Client();
      let settled = false;
      c.once('ready', () => {
        settled = true;
        if (learned) {
          // pinned only once we got in: a host that refuses our key teaches us nothing
          try {
            this.learn(learned);
          } catch (e: unknown) {
            c.end();
            reject(e);
            return;
          }
        }
        this.client = c;
        resolve(c);
      });
      c.on('error', (err: Error & { level?: string }) => {
        if (settled) return; // later errors surface through the channels that see them
        settled = true;
        c.end();
        reject(this.describe(err, refused));
      });
      c.on('close', () => {
        if (this.client === c) this.client = undefined;
        if (!settled) {
          settled = true;
          reject(new InputError('cluster.unreachable', `${this.label}: unreachable: connection closed during the handshake`));
        }
      });
      try {
        c.connect(cfg);
      } catch (e: unknown) {
        // ssh2 throws synchronously for a key it cannot parse or decrypt
        settled = true;
        reject(new InputError('cluster.sshKey', `${this.label}: cannot use key ${h.keyPath}: ${(e as Error).message}`));
      }
    });
  }

  private revoked(key: Buffer): { line: number } | undefined {
    return this.host.revokedKeys?.find((r) => r.key.blob.equals(key));
  }

  private learn(key: Buffer): void {
    const h = this.host;
    const file = h.pinFile;
    if (!file) throw new InputError('cluster.hostKeyUnknown', `${this.label}: no known_hosts file to write a learned pin to`);
    appendKnownHost(file, h.address, h.port, key);
    this.pins = [{ type: blobType(key), blob: key }];
    this.tofu.log?.(`trusted on first use: ${this.label} presented ${blobType(key)} ${fingerprint(key)}; pinned in ${file}`);
  }

  private describe(err: Error & { level?: string }, presented: Buffer | undefined): InputError {
    // `presented`: the host key we refused, if that is why it failed
    const pinned = this.pins;
    const r = presented && !pinned.length ? this.revoked(presented) : undefined;
    if (presented && r) {
      return new InputError(
        'cluster.hostKeyRevoked',
        `${this.label}: it presented ${blobType(presented)} ${fingerprint(presented)}, revoked at ${this.host.pinFile}:${r.line}; refusing to connect`,
      );
    }
    if (presented && !pinned.length) {
      return new InputError(
        'cluster.hostKeyUnknown',
        `${this.label}: unknown host key ${blobType(presented)} ${fingerprint(presented)}, refusing to connect: pin it in ${this.host.pinFile ?? 'the inventory'} or pass --trust-on-first-use`,
      );
    }
    if (presented && !pinned.some((k) => k.blob.equals(presented))) {
      // loud: trust on first use never replaces a pin
      const fix = this.host.pinFile ? `; if the host's key really changed, remove its old line from ${this.host.pinFile} (--trust-on-first-use never replaces a pin)` : '';
      return new InputError(
        'cluster.hostKeyMismatch',
        `${this.label}: host key mismatch, refusing to connect: it presented ${blobType(presented)} ${fingerprint(presented)}, ` +
          `the inventory pins ${pinned.map((k) => `${k.type} ${fingerprint(k.blob)}`).join(', ')}${fix}`,
      );
    }
    if (err.level === 'client-authentication') {
      return new InputError('cluster.authFailed', `${this.label}: authentication with key ${this.host.keyPath} was refused`);
    }
    const why = err.level === 'client-timeout' ? `no SSH handshake within ${this.connectTimeoutMs / 1000} s` : err.message;
    return new InputError('cluster.unreachable', `${this.label}: unreachable: ${why}`);
  }

  /** Run `fn` holding one channel slot. */
  async withSlot<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    const c = await this.connect();
    await this.acquire();
    try {
      return await fn(c);
    } finally {
      this.release();
    }
  }

  /** Take a slot that the caller releases itself (long-running processes). */
  async takeSlot(): Promise<{ client: Client; release: () => void }> {
    const client = await this.connect();
    await this.acquire();
    let done = false;
    return {
      client,
      release: () => {
        if (!done) {
          done = true;
          this.release();
        }
      },
    };
  }

  private acquire(): Promise<void> {
    if (this.active < MAX_CHANNELS) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(() => resolve()));
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active -= 1;
  }

  /** a channel that could not be opened: the command never started */
  exec(client: Client, command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      try {
        client.exec(command, (err, ch) => (err ? reject(this.lost(err, false)) : resolve(ch)));
      } catch (e: unknown) {
        reject(this.lost(e as Error, false));
      }
    });
  }

  sftp(client: Client): Promise<SFTPWrapper> {
    return new Promise((resolve, reject) => {
      try {
        client.sftp((err, s) => (err ? reject(this.lost(err, false)) : resolve(s)));
      } catch (e: unknown) {
        reject(this.lost(e as Error, false));
      }
    });
  }

  /** `c` is still this host's open connection (it did not close under a command) */
  holds(c: Client): boolean {
    return this.client === c;
  }

  lost(err: Error, started: boolean): ConnectionDropped {
    return new ConnectionDropped(`${this.label}: ${err.message}`, started);
  }

  close(): void {
    this.client?.end();
    this.client = undefined;
  }
}
