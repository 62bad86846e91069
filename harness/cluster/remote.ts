// Node-side steps that every remote driver (ssh, docker) performs the same way, as argument
// arrays: killing a timed-out command with its children, and pulling a rail's link while
// keeping the routes that `ip link set down` would otherwise lose for good.
import { randomBytes } from 'node:crypto';
import { InputError } from '../core';
import type { ExecResult } from '../core';

/**
 * Every command a driver starts carries this variable, so a timeout can find and kill the
 * whole process tree on the node (children inherit the environment; a process group would
 * miss daemonised children and sshd only signals the top process).
 */
export const EXEC_TAG_VAR = 'RC_EXEC_ID';

export function newExecTag(): string {
  return randomBytes(8).toString('hex');
}

/**
 * argv that SIGKILLs every process on the node whose environment carries `tag`. All matches
 * are stopped before any is killed: killing a child first would let its parent run on (and
 * print) before its own turn came. A few rounds catch processes forked during a scan.
 */
export function killTaggedArgv(tag: string): string[] {
  // one grep over every environ: a grep per /proc entry took 5-6 s on a loaded TCG guest
  const script =
    'for round in 1 2 3; do ' +
    'p=$(grep -lzxF "$1" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | tr "\\n" " "); ' +
    '[ -z "$p" ] && break; kill -STOP $p 2>/dev/null; kill -KILL $p 2>/dev/null; ' +
    'done; exit 0';
  return ['sh', '-c', script, 'rc-kill', `${EXEC_TAG_VAR}=${tag}`];
}

export type RunOnNode = (argv: string[]) => Promise<ExecResult>;

interface SavedRoute {
  dst: string;
  gateway?: string;
  metric?: number;
  prefsrc?: string;
}

/**
 * Cable pulls done from inside the node (`ip link set down/up`). Bringing a link down deletes
 * its non-kernel routes (e.g. a container's default route), so they are saved and re-added.
 */
export class LinkPuller {
  private readonly saved = new Map<string, SavedRoute[]>();

  async pull(node: string, netdev: string, run: RunOnNode): Promise<void> {
    const key = `${node}\0${netdev}`;
    const routes = await run(['ip', '-j', '-4', 'route', 'show', 'dev', netdev]);
    if (routes.code === 0 && !this.saved.has(key)) {
      this.saved.set(key, parseRoutes(routes.stdout));
    }
    await mustRun(node, ['ip', 'link', 'set', 'dev', netdev, 'down'], run);
  }

  async restore(node: string, netdev: string, run: RunOnNode): Promise<void> {
    await mustRun(node, ['ip', 'link', 'set', 'dev', netdev, 'up'], run);
    const key = `${node}\0${netdev}`;
    for (const r of this.saved.get(key) ?? []) {
      const argv = ['ip', 'route', 'replace', r.dst];
      if (r.gateway) argv.push('via', r.gateway);
      argv.push('dev', netdev);
      if (r.prefsrc) argv.push('src', r.prefsrc);
      if (r.metric !== undefined) argv.push('metric', String(r.metric));
      // A gateway route can only go back once the link has its connected route again.
      await mustRun(node, argv, run);
    }
    this.saved.delete(key);
  }
}

function parseRoutes(json: string): SavedRoute[] {
  let rows: unknown;
  try {
    rows = JSON.parse(json || '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(rows)) return [];
  const out: SavedRoute[] = [];
  for (const row of rows as Array<Record<string, unknown>>) {
    // kernel routes (the connected subnet) come back by themselves with the link
    if (row.protocol === 'kernel' || typeof row.dst !== 'string') continue;
    out.push({
      dst: row.dst,
      gateway: typeof row.gateway === 'string' ? row.gateway : undefined,
      metric: typeof row.metric === 'number' ? row.metric : undefined,
      prefsrc: typeof row.prefsrc === 'string' ? row.prefsrc : undefined,
    });
  }
  return out;
}

async function mustRun(node: string, argv: string[], run: RunOnNode): Promise<void> {
  const r = await run(argv);
  if (r.code !== 0) {
    const why = r.stderr.trim().split('\n').pop() || `exit code ${r.code}`;
    throw new InputError('cluster.cableFailed', `node ${node}: \`${argv.join(' ')}\` failed: ${why}`);
  }
}

/** Collects a command's output while passing chunks on as they arrive. */
export class OutputCollector {
  private readonly out: Buffer[] = [];
  private readonly err: Buffer[] = [];
  constructor(
    private readonly onStdout?: (b: Buffer) => void,
    private readonly onStderr?: (b: Buffer) => void,
  ) {}
  stdout = (b: Buffer): void => {
    this.out.push(b);
    this.onStdout?.(b);
  };
  stderr = (b: Buffer): void => {
    this.err.push(b);
    this.onStderr?.(b);
  };
  result(code: number | null, signal?: string): ExecResult {
    const r: ExecResult = {
      code,
      stdout: Buffer.concat(this.out).toString('utf8'),
      stderr: Buffer.concat(this.err).toString('utf8'),
    };
    if (signal) r.signal = signal;
    return r;
  }
}
