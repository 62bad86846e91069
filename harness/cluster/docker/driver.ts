// The docker driver: nodes are containers on a Docker host (NET_ADMIN, --init, one Docker
// network per rail), reached only through the Docker API. Containers share the host's
// kernel, so RDMA works only where that kernel has rdma_rxe; elsewhere up() says so.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import Dockerode from 'dockerode';
import { InputError } from '../../core';
import type { ExecOptions, ExecResult, NodeDriver, NodeInfo, RailInfo, RemoteProcess } from '../../core';
import { LinkPuller } from '../remote';
import { dockerExec, dockerSpawn, noContainer } from './exec';
import { ensureNodeImage, type ImageOptions } from './image';
import { singleFileTar } from './tar';

const LABEL = 'rdma-chaos.cluster';
const NODE_LABEL = 'rdma-chaos.node';
const RAIL_LABEL = 'rdma-chaos.rail';

export interface DockerDriverOptions extends ImageOptions {
  /** name of the cluster on this Docker host; containers and networks carry it */
  cluster?: string;
}

export interface DockerUpOptions {
  nodes?: number;
  rails?: number;
  /** bring up rxe on every rail (default true); fails with cluster.noRxe without rdma_rxe */
  rdma?: boolean;
  /** one /24 per rail; default 10.77.0.0/24, 10.78.0.0/24, ... */
  railSubnets?: string[];
}

interface NodeRef {
  name: string;
  id: string;
  running: boolean;
  /** rail index -> address/prefix, from Docker's view of the endpoints */
  rails: Map<number, string>;
}

export class DockerDriver implements NodeDriver {
  readonly kind = 'docker' as const;
  readonly cluster: string;
  private readonly links = new LinkPuller();
  private nodes = new Map<string, NodeRef>();

  constructor(
    readonly docker: Dockerode,
    readonly host: string,
    private readonly opts: DockerDriverOptions = {},
  ) {
    this.cluster = opts.cluster ?? 'rc';
  }

  private async refresh(): Promise<NodeRef[]> {
    const [containers, networks] = await Promise.all([
      this.docker.listContainers({ all: true, filters: { label: [`${LABEL}=${this.cluster}`] } }),
      this.docker.listNetworks({ filters: { label: [`${LABEL}=${this.cluster}`] } }),
    ]);
    const railOf = new Map(networks.map((n) => [n.Name, Number(n.Labels?.[RAIL_LABEL])]));
    const refs = containers.map((c): NodeRef => {
      const rails = new Map<number, string>();
      for (const [net, ep] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
        const r = railOf.get(net);
        if (r !== undefined && ep.IPAddress) rails.set(r, `${ep.IPAddress}/${ep.IPPrefixLen}`);
      }
      return { name: c.Labels[NODE_LABEL], id: c.Id, running: c.State === 'running', rails };
    });
    refs.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    this.nodes = new Map(refs.map((r) => [r.name, r]));
    return refs;
  }

  private async ref(node: string): Promise<NodeRef> {
    const hit = this.nodes.get(node) ?? (await this.refresh(), this.nodes.get(node));
    if (!hit) throw noContainer(node, this.cluster, [...this.nodes.keys()]);
    return hit;
  }

  async list(): Promise<NodeInfo[]> {
    const refs = await this.refresh();
    return Promise.all(refs.map((r) => this.describe(r)));
  }

  private async describe(r: NodeRef): Promise<NodeInfo> {
    const info: NodeInfo = { name: r.name, endpoint: r.id.slice(0, 12), rails: [], state: r.running ? 'ready' : 'down' };
    const rails = [...r.rails.entries()].sort((a, b) => a[0] - b[0]);
    if (!r.running) {
      info.rails = rails.map(([index, address]) => ({ index, address, netdev: '?' }));
      return info;
    }
    // netdev names depend on the order Docker attached the networks: ask the node
    const probe = await this.exec(r.name, ['sh', '-c', 'ip -o -4 addr show; echo @@; rdma link show 2>/dev/null; true'], {
      timeoutMs: 15_000,
    });
    const [addrs, rdma = ''] = probe.stdout.split('@@\n');
    info.rails = rails.map(([index, address]): RailInfo => {
      const m = new RegExp(`^\\d+:\\s+(\\S+)\\s+inet ${address.replace(/\./g, '\\.')}\\s`, 'm').exec(addrs);
      const rail: RailInfo = { index, netdev: m ? m[1] : '?', address };
      const dev = this.rxeName(r.name, index);
      const st = new RegExp(`^link ${dev}/\\d+ state (\\S+)`, 'm').exec(rdma);
      if (st) {
        rail.rdmaDevice = dev;
        rail.portState = st[1];
      }
      return rail;
    });
    return info;
  }

  /** rdma devices are global to the kernel (shared netns mode), so names carry the node */
  private rxeName(node: string, rail: number): string {
    return `${this.cluster}-${node}-rxe${rail}`;
  }

  async exec(node: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new InputError('cluster.emptyCommand', `node ${node}: empty command`);
    const r = await this.ref(node);
    return dockerExec(this.docker, node, this.docker.getContainer(r.id), argv, opts);
  }

  async spawn(node: string, argv: string[]): Promise<RemoteProcess> {
    if (argv.length === 0) throw new InputError('cluster.emptyCommand', `node ${node}: empty command`);
    const r = await this.ref(node);
    return dockerSpawn(this.docker, node, this.docker.getContainer(r.id), argv);
  }

  async upload(node: string, localPath: string, remotePath: string, mode = 0o644): Promise<void> {
    const r = await this.ref(node);
    const dir = path.posix.dirname(remotePath);
    const tmp = `${path.posix.basename(remotePath)}.rc-upload-${randomBytes(4).toString('hex')}`;
    await this.mustExec(node, ['mkdir', '-p', dir]);
    try {
      await this.docker.getContainer(r.id).putArchive(singleFileTar(localPath, tmp, mode), { path: dir });
    } catch (e: unknown) {
      throw new InputError('cluster.uploadFailed', `node ${node}: upload of ${localPath} to ${remotePath} failed: ${(e as Error).message}`);
    }
    // rename: readers never see a partial file, and a running binary can be replaced
    await this.mustExec(node, ['mv', '-f', `${dir}/${tmp}`, remotePath]);
  }

  private async mustExec(node: string, argv: string[]): Promise<string> {
    const r = await this.exec(node, argv, { timeoutMs: 30_000 });
    if (r.code !== 0) {
      throw new InputError('cluster.execFailed', `node ${node}: \`${argv.join(' ')}\` failed: ${r.stderr.trim() || `exit code ${r.code}`}`);
    }
    return r.stdout;
  }

  async pullCable(node: string, rail: number): Promise<void> {
    const netdev = await this.netdev(node, rail);
    await this.links.pull(node, netdev, (argv) => this.exec(node, argv, { timeoutMs: 15_000 }));
  }

  async restoreCable(node: string, rail: number): Promise<void> {
    const netdev = await this.netdev(node, rail);
    await this.links.restore(node, netdev, (argv) => this.exec(node, argv, { timeoutMs: 15_000 }));
  }

  private async netdev(node: string, rail: number): Promise<string> {
    const r = await this.ref(node);
    const info = await this.describe(r);
    const found = info.rails.find((x) => x.index === rail);
    if (!found || found.netdev === '?') {
      throw new InputError('cluster.noRail', `docker cluster "${this.cluster}": node ${node} has no rail ${rail}`);
    }
    return found.netdev;
  }

  /** Create networks and containers (idempotent for an identical running cluster). */
  async up(o: DockerUpOptions = {}): Promise<NodeInfo[]> {
    const nodes = o.nodes ?? 3;
    const rails = o.rails ?? 2;
    const subnets = o.railSubnets ?? Array.from({ length: rails }, (_, r) => `10.${77 + r}.0.0/24`);
    if (subnets.length < rails || subnets.some((s) => !/^\d+\.\d+\.\d+\.0\/24$/.test(s))) {
      throw new InputError('cluster.badSubnet', `need one x.y.z.0/24 subnet per rail, got ${subnets.join(', ')}`);
    }
    const existing = await this.refresh();
    if (existing.length > 0) {
      if (existing.length === nodes && existing.every((e) => e.running && e.rails.size === rails)) return this.list();
      throw new InputError('cluster.exists', `docker cluster "${this.cluster}" on ${this.host} already has ${existing.length} nodes; run cluster down first`);
    }
    try {
      const image = await ensureNodeImage(this.docker, this.opts);
      const nets: string[] = [];
      for (let r = 0; r < rails; r++) {
        const name = `${this.cluster}-rail${r}`;
        const prefix = subnets[r].replace(/\.0\/24$/, '');
        await this.docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          CheckDuplicate: true,
          Labels: { [LABEL]: this.cluster, [RAIL_LABEL]: String(r) },
          IPAM: { Driver: 'default', Config: [{ Subnet: subnets[r], Gateway: `${prefix}.254` }] },
        });
        nets.push(name);
      }
      const addr = (r: number, i: number): string => `${subnets[r].replace(/\.0\/24$/, '')}.${i}`;
      for (let i = 1; i <= nodes; i++) {
        const name = `n${i}`;
        const c = await this.docker.createContainer({
          name: `${this.cluster}-${name}`,
          Hostname: name,
          Image: image,
          Cmd: ['sleep', 'infinity'],
          Labels: { [LABEL]: this.cluster, [NODE_LABEL]: name },
          HostConfig: { CapAdd: ['NET_ADMIN'], Init: true, NetworkMode: nets[0] },
          NetworkingConfig: { EndpointsConfig: { [nets[0]]: { IPAMConfig: { IPv4Address: addr(0, i) } } } },
        });
        for (let r = 1; r < rails; r++) {
          await this.docker.getNetwork(nets[r]).connect({ Container: c.id, EndpointConfig: { IPAMConfig: { IPv4Address: addr(r, i) } } });
        }
        await c.start();
      }
      await this.refresh();
      if (o.rdma !== false) await this.rxeUp();
      return await this.list();
    } catch (e: unknown) {
      // bad input or a failed step leaves nothing behind; the first error is the one to report
      await this.down().catch(() => undefined);
      if (e instanceof InputError) throw e;
      const msg = (e as { json?: { message?: string } }).json?.message ?? (e as Error).message;
      throw new InputError('cluster.dockerFailed', `docker cluster "${this.cluster}" on ${this.host}: ${msg}`);
    }
  }

  /** Bring up one rxe device per rail on every node. Needs rdma_rxe in the host's kernel. */
  async rxeUp(): Promise<void> {
    const infos = await this.list();
    if (infos.length === 0) throw new InputError('cluster.noNodes', `docker cluster "${this.cluster}" has no nodes`);
    const first = infos[0].name;
    const probe = await this.exec(first, ['sh', '-c', 'uname -r; test -d /sys/module/rdma_rxe'], { timeoutMs: 15_000 });
    if (probe.code !== 0) {
      throw new InputError(
        'cluster.noRxe',
        `docker host ${this.host}: kernel ${probe.stdout.trim()} has no rdma_rxe (SoftRoCE) module loaded, so containers cannot have rxe devices; ` +
          'load it on the Docker host (modprobe rdma_rxe) or use the local driver, whose VMs bring their own kernel',
      );
    }
    for (const n of infos) {
      for (const r of n.rails) {
        if (r.rdmaDevice) continue;
        const res = await this.exec(n.name, ['rdma', 'link', 'add', this.rxeName(n.name, r.index), 'type', 'rxe', 'netdev', r.netdev], {
          timeoutMs: 15_000,
        });
        if (res.code !== 0) {
          throw new InputError('cluster.rxeFailed', `node ${n.name}: rdma link add on ${r.netdev} failed: ${res.stderr.trim()}`);
        }
      }
    }
  }

  /** Remove this cluster's containers and networks; nothing of it is left on the host. */
  async down(): Promise<void> {
    const filters = { label: [`${LABEL}=${this.cluster}`] };
    const containers = await this.docker.listContainers({ all: true, filters });
    await Promise.all(containers.map((c) => this.docker.getContainer(c.Id).remove({ force: true, v: true })));
    const networks = await this.docker.listNetworks({ filters });
    for (const n of networks) await this.docker.getNetwork(n.Id).remove();
    this.nodes.clear();
  }

  async close(): Promise<void> {
    this.nodes.clear(); // dockerode keeps no connection open between requests
  }
}

/** `unix:///path`, `/path` or `tcp://host:port`; checks the daemon answers within 5 s. */
export async function openDockerDriver(host: string, opts: DockerDriverOptions = {}): Promise<DockerDriver> {
  let docker: Dockerode;
  const tcp = /^(tcp|http):\/\/([^:/]+):(\d+)\/?$/.exec(host);
  if (tcp) docker = new Dockerode({ host: tcp[2], port: Number(tcp[3]), protocol: 'http' });
  else if (host.startsWith('/') || host.startsWith('unix://')) docker = new Dockerode({ socketPath: host.replace(/^unix:\/\//, '') });
  else throw new InputError('cluster.badDockerHost', `docker host "${host}": expected unix:///path/docker.sock, /path/docker.sock or tcp://host:port`);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000);
      }),
    ]);
  } catch (e: unknown) {
    throw new InputError('cluster.unreachable', `docker host ${host}: unreachable: ${(e as Error).message}`);
  } finally {
    if (timer) clearTimeout(timer);
  }
  return new DockerDriver(docker, host, opts);
}
