// The local driver: the nodes are our qemu VMs. Commands, processes and uploads go over SSH
// exactly as for real hosts (the ssh driver, one reused connection per node, pinned host
// key); cable pulls go below the guest through qemu's monitor, which the guest sees as
// carrier loss on the rail's NIC.
import type { ExecOptions, ExecResult, NodeDriver, NodeInfo, RemoteProcess } from '../../core';
import { InputError } from '../../core';
import { cachePaths, pinnedHostKey, type CachePaths } from '../../setup';
import type { Inventory } from '../ssh';
import { SshDriver } from '../ssh';
import { hmp } from './monitor';
import { isAlive } from './procs';
import type { RestartOptions } from './restart';
import { stateFile, type ClusterState, type NodeRecord } from './state';

/** Under TCG an SSH handshake takes ~0.5 s, more on a loaded host. */
const CONNECT_TIMEOUT_MS = 30_000;

export function inventoryFor(state: ClusterState, cache: CachePaths): Inventory {
  const blob = pinnedHostKey(cache);
  return {
    file: stateFile(state.stateDir),
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    hosts: state.nodes.map((n) => ({
      name: n.name,
      address: '127.0.0.1',
      port: n.sshPort,
      user: 'root',
      keyPath: cache.clientKey,
      hostKeys: [{ type: 'ssh-ed25519', blob }],
      rails: n.rails.map((r) => ({ netdev: r.netdev, address: r.address, rdmaDevice: r.rdmaDevice })),
    })),
  };
}

export class LocalDriver implements NodeDriver {
  readonly kind = 'local' as const;
  private readonly ssh: SshDriver;
  private closed = false;

  constructor(
    readonly state: ClusterState,
    readonly cache: CachePaths = cachePaths(),
  ) {
    this.ssh = new SshDriver(inventoryFor(state, cache));
  }

  node(name: string): NodeRecord {
    // after close(), a late caller (a timed-out test's loop) must not open a new connection
    // that would keep the process alive
    if (this.closed) throw new InputError('cluster.driverClosed', `the local driver was closed; cannot reach ${name}`);
    const n = this.state.nodes.find((x) => x.name === name);
    if (!n) {
      const known = this.state.nodes.map((x) => x.name).join(', ');
      throw new InputError('cluster.unknownNode', `no node named "${name}" in the local cluster (nodes: ${known})`);
    }
    return n;
  }

  async list(): Promise<NodeInfo[]> {
    if (this.closed) throw new InputError('cluster.driverClosed', 'the local driver was closed');
    const infos = await this.ssh.list();
    for (const info of infos) {
      const proc = this.node(info.name).proc;
      if (!proc || !isAlive(proc)) info.state = 'down';
    }
    return infos;
  }

  async exec(node: string, argv: string[], opts?: ExecOptions): Promise<ExecResult> {
    this.node(node);
    return this.ssh.exec(node, argv, opts);
  }

  async spawn(node: string, argv: string[]): Promise<RemoteProcess> {
    this.node(node);
    return this.ssh.spawn(node, argv);
  }

  async upload(node: string, localPath: string, remotePath: string, mode?: number): Promise<void> {
    this.node(node);
    return this.ssh.upload(node, localPath, remotePath, mode);
  }

  async pullCable(node: string, rail: number): Promise<void> {
    await this.setLink(node, rail, 'off');
  }

  async restoreCable(node: string, rail: number): Promise<void> {
    await this.setLink(node, rail, 'on');
  }

  private async setLink(node: string, rail: number, how: 'on' | 'off'): Promise<void> {
    const n = this.node(node);
    if (!n.rails.some((r) => r.index === rail)) {
      throw new InputError('cluster.noRail', `node ${node} has no rail ${rail} (rails: ${n.rails.map((r) => r.index).join(', ')})`);
    }
    const out = await hmp(n.monitorSock, `set_link d${rail} ${how}`);
    if (out) throw new InputError('cluster.cableFailed', `node ${node}: set_link d${rail} ${how}: ${out}`);
  }

  /** Any HMP command on a node's qemu monitor (e.g. `info network`). */
  async monitor(node: string, command: string): Promise<string> {
    return hmp(this.node(node).monitorSock, command);
  }

  /** Crash a node: its qemu is SIGKILLed (no guest shutdown); it reads down until restarted. */
  async crashNode(node: string): Promise<void> {
    const { crashNode } = await import('./restart');
    await crashNode(this, node);
  }

  /** Boot a node again as `cluster up` did, until SSH answers and its ports are ACTIVE. */
  async restartNode(node: string, o?: RestartOptions): Promise<void> {
    await this.restartNodes([node], o);
  }

  async restartNodes(nodes: readonly string[], o?: RestartOptions): Promise<void> {
    const { restartNodes } = await import('./restart');
    await restartNodes(this, nodes, o);
  }

  /** Re-create a rail's fabric (restarting the nodes when the backend cannot re-attach them). */
  async recreateFabric(rail: number, o?: RestartOptions): Promise<{ nodesRestarted: boolean }> {
    const { recreateFabric } = await import('./restart');
    return recreateFabric(this, rail, o);
  }

  /**
   * Freeze a rail on purpose, silently (vde: SIGSTOP its switch; bridge: the bridge down, the
   * taps up): for tests of the fabric watchdog and repair. Returns thaw; recreateFabric also
   * ends it. InputError on a backend that cannot freeze (dgram, stream: the fabric is qemu's own).
   */
  async freezeRail(rail: number): Promise<() => Promise<void>> {
    const { fabricBackend } = await import('./fabric');
    const f = this.state.fabrics.find((x) => x.rail === rail);
    if (!f) throw new InputError('cluster.noRail', `no fabric for rail ${rail} (rails: ${this.state.fabrics.map((x) => x.rail).join(', ')})`);
    const b = fabricBackend(f.backend);
    if (!b.freeze || !b.thaw) throw new InputError('cluster.cannotFreeze', `the ${f.backend} fabric cannot be frozen on purpose (it lives inside qemu)`);
    await b.freeze(f);
    const thaw = b.thaw.bind(b);
    return async () => {
      try {
        await thaw(f);
      } catch {
        /* re-created meanwhile: nothing frozen is left */
      }
    };
  }

  /** The node's qemu runs (false after a crash, a panic or a kill). */
  nodeAlive(node: string): boolean {
    const p = this.node(node).proc;
    return p !== undefined && isAlive(p);
  }

  /** The node's console (ttyS0) log: kernel messages, panics; appended across boots. */
  consoleLog(node: string): string {
    return this.node(node).consoleLog;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ssh.close();
  }
}
