// The ssh driver: existing hosts from an inventory file, reached over one pinned-key SSH
// connection each. Commands are argument arrays quoted once by shellJoin; output streams as
// it arrives; a timed-out command is killed on the node with its whole process tree.
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { InputError } from '../../core';
import {
  shellJoin,
  shellQuote,
  type ExecOptions,
  type ExecResult,
  type NodeDriver,
  type NodeInfo,
  type RemoteProcess,
} from '../../core';
import { EXEC_TAG_VAR, killTaggedArgv, LinkPuller, newExecTag, OutputCollector } from '../remote';
import { ConnectionDropped, SshConnection, type SshTrustOptions } from './connection';
import { loadInventory, type Inventory, type InventoryHost } from './inventory';
import { canPower, powerOff, powerOn } from './power';

export class SshDriver implements NodeDriver {
  readonly kind = 'ssh' as const;
  private readonly conns = new Map<string, SshConnection>();
  private readonly links = new LinkPuller();

  constructor(
    readonly inventory: Inventory,
    trust: SshTrustOptions = {},
  ) {
    for (const h of inventory.hosts) this.conns.set(h.name, new SshConnection(h, inventory.connectTimeoutMs, trust));
  }

  private conn(node: string): SshConnection {
    const c = this.conns.get(node);
    if (!c) {
      const known = [...this.conns.keys()].join(', ');
      throw new InputError('cluster.unknownNode', `${this.inventory.file}: no host named "${node}" (hosts: ${known})`);
    }
    return c;
  }

  async list(): Promise<NodeInfo[]> {
    return Promise.all(this.inventory.hosts.map((h) => this.describe(h)));
  }

  private async describe(h: InventoryHost): Promise<NodeInfo> {
    const info: NodeInfo = {
      name: h.name,
      endpoint: `${h.address}:${h.port}`,
      rails: h.rails.map((r, index) => ({ index, netdev: r.netdev, address: r.address, rdmaDevice: r.rdmaDevice })),
      state: 'unknown',
    };
    try {
      await this.conn(h.name).connect();
      info.state = 'ready';
    } catch {
      info.state = 'down'; // list reports; exec on this node gives the one-line reason
      return info;
    }
    if (info.rails.some((r) => r.rdmaDevice)) {
      const ports = await this.portStates(h.name);
      for (const r of info.rails) if (r.rdmaDevice) r.portState = ports[r.rdmaDevice] ?? 'ABSENT';
    }
    return info;
  }

  /** device -> port state, from `rdma link show` (a read: sent again after a dropped connection) */
  private async portStates(node: string): Promise<Record<string, string>> {
    const links = await this.exec(node, ['rdma', 'link', 'show'], { timeoutMs: 10_000, idempotent: true });
    const ports: Record<string, string> = {};
    for (const m of links.stdout.matchAll(/^link (\S+)\/\d+ state (\S+)/gm)) ports[m[1]!] = m[2]!;
    return ports;
  }

  /** the crash fault over ssh needs the host's out-of-band power commands */
  canPower(node: string): boolean {
    return canPower(this.conn(node).host);
  }

  /** Stops the host at once through its power commands; its connection is gone with it. */
  async crashNode(node: string): Promise<void> {
    const c = this.conn(node);
    await powerOff(c.host, this.inventory.file);
    c.close();
  }

  /** Powers the host on and waits until SSH answers and every RDMA port is ACTIVE. */
  async restartNode(node: string): Promise<void> {
    const c = this.conn(node);
    c.close();
    await powerOn(c.host, this.inventory.file, async () => {
      await c.connect();
      return this.portStates(node);
    });
  }

  async exec(node: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const conn = this.conn(node);
    checkArgv(node, argv);
    return reconnecting(opts, () => this.execOnce(conn, node, argv, opts));
  }

  private execOnce(conn: SshConnection, node: string, argv: string[], opts: ExecOptions): Promise<ExecResult> {
    const tag = newExecTag();
    return conn.withSlot(async (client) => {
      const ch = await conn.exec(client, tagged(tag, argv));
      const out = new OutputCollector(opts.onStdout, opts.onStderr);
      ch.on('data', out.stdout);
      ch.stderr.on('data', out.stderr);
      let killed = false;
      const kill = (): void => {
        if (killed) return;
        killed = true;
        ch.signal('KILL'); // OpenSSH signals only the top process; the tag sweep gets the rest
        this.killTagged(node, tag).finally(() => ch.close());
      };
      const timer = opts.timeoutMs ? setTimeout(kill, opts.timeoutMs) : undefined;
      opts.signal?.addEventListener('abort', kill, { once: true });
      if (opts.signal?.aborted) kill();
      ch.end(opts.stdin ?? undefined);
      try {
        const { code, signal } = await channelDone(ch);
        if (killed) return out.result(null, 'SIGKILL');
        if (code === undefined) throw conn.lost(new Error(`connection lost while running ${argv[0]}; outcome unknown`), true);
        return out.result(code, signal);
      } finally {
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', kill);
      }
    });
  }

  private async killTagged(node: string, tag: string): Promise<void> {
    try {
      // no timeout: a timed-out sweep would start another sweep, and under load they chain
      await this.exec(node, killTaggedArgv(tag));
    } catch {
      /* the node may be gone; the caller already reports the timeout */
    }
  }

  async spawn(node: string, argv: string[]): Promise<RemoteProcess> {
    const conn = this.conn(node);
    checkArgv(node, argv);
    // only the start is retried: a process that began has an outcome of its own to report
    const { slot, ch } = await reconnecting({}, async () => {
      const slot = await conn.takeSlot();
      try {
        return { slot, ch: await conn.exec(slot.client, tagged(newExecTag(), argv)) };
      } catch (e: unknown) {
        slot.release();
        throw e;
      }
    });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    ch.pipe(stdout);
    ch.stderr.pipe(stderr);
    let detached = false;
    const exited = channelDone(ch).then(({ code, signal }): ExecResult => {
      slot.release();
      const r: ExecResult = { code: detached || code === undefined ? null : code, stdout: '', stderr: '' };
      if (signal) r.signal = signal;
      return r;
    });
    return {
      stdin: ch as Writable,
      stdout: stdout as Readable,
      stderr: stderr as Readable,
      exited,
      detach: () => {
        detached = true;
        ch.close(); // sshd closes the process's pipes: it reads EOF
      },
    };
  }

  async upload(node: string, localPath: string, remotePath: string, mode = 0o644): Promise<void> {
    const conn = this.conn(node);
    const dir = path.posix.dirname(remotePath);
    const tmp = `${remotePath}.rc-upload-${randomBytes(4).toString('hex')}`;
    await this.mustExec(node, ['mkdir', '-p', dir], true);
    // the temp file is written whole again after a dropped connection
    await reconnecting({ idempotent: true }, () =>
      conn.withSlot(async (client) => {
        const sftp = await conn.sftp(client);
        // ssh2's fastPut never calls back when the connection closes under it
        const gone = new Error('the SFTP channel closed mid-transfer');
        const closed = new Promise<never>((_, reject) => {
          sftp.once('close', () => reject(gone));
        });
        closed.catch(() => undefined);
        const call = (f: (done: (err?: Error | null) => void) => void): Promise<void> =>
          Promise.race([new Promise<void>((resolve, reject) => f((err) => (err ? reject(err) : resolve()))), closed]);
        try {
          await call((done) => sftp.fastPut(localPath, tmp, { mode }, done));
          // the server's umask applies on create; set the mode explicitly
          await call((done) => sftp.chmod(tmp, mode, done));
        } catch (e: unknown) {
          // the connection went away under the transfer: the testbed's trouble, not the file's
          if (e === gone || !conn.holds(client)) throw conn.lost(e as Error, true);
          throw new InputError('cluster.uploadFailed', `${conn.label}: upload of ${localPath} to ${remotePath} failed: ${(e as Error).message}`);
        } finally {
          sftp.end();
        }
      }),
    );
    // rename: readers never see a partial file, and a running binary can be replaced. Sent
    // again after a drop, a rename that already happened finds the file in place: done.
    await this.mustExec(node, ['sh', '-c', 'mv -f "$1" "$2" || { [ ! -e "$1" ] && [ -e "$2" ]; }', 'rc-mv', tmp, remotePath], true);
  }

  private async mustExec(node: string, argv: string[], idempotent = false): Promise<void> {
    const r = await this.exec(node, argv, { timeoutMs: 30_000, idempotent });
    if (r.code !== 0) {
      throw new InputError('cluster.execFailed', `node ${node}: \`${shellJoin(argv)}\` failed: ${r.stderr.trim() || `exit code ${r.code}`}`);
    }
  }

  async pullCable(node: string, rail: number): Promise<void> {
    await this.links.pull(node, this.netdev(node, rail), (argv) => this.exec(node, argv, { timeoutMs: 15_000 }));
  }

  async restoreCable(node: string, rail: number): Promise<void> {
    await this.links.restore(node, this.netdev(node, rail), (argv) => this.exec(node, argv, { timeoutMs: 15_000 }));
  }

  private netdev(node: string, rail: number): string {
    const r = this.conn(node).host.rails[rail];
    if (!r) throw new InputError('cluster.noRail', `${this.inventory.file}: host ${node} has no rail ${rail}`);
    return r.netdev;
  }

  async close(): Promise<void> {
    for (const c of this.conns.values()) c.close();
  }
}

/**
 * Opens the inventory; connections are made on first use. Without trustOnFirstUse a host with
 * no pinned key is refused here, before anything connects.
 */
export function openSshDriver(inventoryFile: string, trust: SshTrustOptions = {}): SshDriver {
  return new SshDriver(loadInventory(inventoryFile, { trustOnFirstUse: trust.trustOnFirstUse === true }), trust);
}

function checkArgv(node: string, argv: string[]): void {
  if (argv.length === 0) throw new InputError('cluster.emptyCommand', `node ${node}: empty command`);
}

/** The command line sshd hands to the login shell: tag assignment, then the quoted argv. */
function tagged(tag: string, argv: string[]): string {
  // `A=b` unquoted in first position would be read as another assignment, not a program
  const first = argv[0].includes('=') ? `'${argv[0].replace(/'/g, `'\\''`)}'` : shellQuote(argv[0]);
  return [`${EXEC_TAG_VAR}=${tag}`, first, shellJoin(argv.slice(1))].filter(Boolean).join(' ');
}

/** Resolves on channel close: `code` is null for a signal, undefined when no status arrived. */
function channelDone(ch: ClientChannel): Promise<{ code?: number | null; signal?: string }> {
  return new Promise((resolve) => {
    let code: number | null | undefined;
    let signal: string | undefined;
    ch.on('exit', (c: number | null, sig?: string) => {
      code = typeof c === 'number' ? c : null;
      if (sig) signal = `SIG${sig}`;
    });
    ch.on('close', () => resolve({ code, signal }));
  });
}

/** waits between reconnects: about 24 s in all, longer than a loaded guest's usual stall */
const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000, 8000];

/**
 * Runs `attempt`, and again after a dropped connection while that is safe: the command never
 * started, or the caller says it is idempotent. Otherwise the drop is reported as it is.
 */
async function reconnecting<T>(opts: Pick<ExecOptions, 'idempotent' | 'signal'>, attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e: unknown) {
      const again = e instanceof ConnectionDropped && (!e.started || opts.idempotent === true);
      if (!again || i >= RECONNECT_DELAYS_MS.length || opts.signal?.aborted) throw e;
      await new Promise((r) => setTimeout(r, RECONNECT_DELAYS_MS[i]));
    }
  }
}
