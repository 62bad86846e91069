// Opening a node driver from the one string users give: `local`, `ssh:INVENTORY.yaml` or
// `docker:HOST` (a Docker socket path, unix:///path or tcp://host:port).
import { InputError } from '../core';
import type { NodeDriver } from '../core';

export type { DriverKind, ExecOptions, ExecResult, NodeDriver, NodeInfo, RailInfo, RemoteProcess } from '../core';
export { shellJoin, shellQuote } from '../core';

export type DriverSpec = { kind: 'local' } | { kind: 'ssh'; inventory: string } | { kind: 'docker'; host: string };

export interface OpenDriverOptions {
  /** docker: the cluster name on the Docker host (default "rc") */
  cluster?: string;
  /** ssh: let hosts with no pinned key in once and pin the key they present (accept-new) */
  trustOnFirstUse?: boolean;
  /** ssh: one line per pin learned */
  log?: (line: string) => void;
}

export function parseDriverSpec(spec: string): DriverSpec {
  if (spec === 'local') return { kind: 'local' };
  const m = /^(ssh|docker):(.+)$/.exec(spec);
  if (m && m[1] === 'ssh') return { kind: 'ssh', inventory: m[2] };
  if (m && m[1] === 'docker') return { kind: 'docker', host: m[2] };
  throw new InputError('cluster.badDriver', `driver "${spec}": expected local, ssh:INVENTORY.yaml or docker:HOST (socket path or tcp://host:port)`);
}

/** Drivers load lazily, so `--driver ssh:...` never loads dockerode and vice versa. */
export async function openDriver(spec: string | DriverSpec, opts: OpenDriverOptions = {}): Promise<NodeDriver> {
  const s = typeof spec === 'string' ? parseDriverSpec(spec) : spec;
  switch (s.kind) {
    case 'ssh': {
      const { openSshDriver } = await import('./ssh');
      return openSshDriver(s.inventory, { ...(opts.trustOnFirstUse ? { trustOnFirstUse: true } : {}), ...(opts.log ? { log: opts.log } : {}) });
    }
    case 'docker': {
      const { openDockerDriver } = await import('./docker');
      return openDockerDriver(s.host, { cluster: opts.cluster });
    }
    case 'local': {
      // the running cluster of `rdma-chaos cluster up` (RDMA_CHAOS_STATE or the default state dir)
      const { openLocalDriver } = await import('./local');
      return openLocalDriver();
    }
  }
}
