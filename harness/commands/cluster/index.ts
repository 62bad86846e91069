// `rdma-chaos cluster up|status|exec|down`: the local qemu cluster.
import { clusterDown, clusterUp, localStatus, openLocalDriver, type AccelMode } from '../../cluster/local';
import type { CommandContext, NodeInfo } from '../../core';
import { InputError } from '../../core';
import { healCluster, localJournal } from '../../run';
import { stateDir as defaultStateDir } from '../../setup';

export interface ClusterUpFlags {
  nodes?: number;
  rails?: number;
  accel?: AccelMode;
  sshPortBase?: number;
  bootTimeout?: number;
  fabric?: string;
  memory?: number;
  stateDir?: string;
  json?: boolean;
}

export async function clusterUpCommand(ctx: CommandContext, f: ClusterUpFlags): Promise<number> {
  const r = await clusterUp({
    nodes: f.nodes,
    rails: f.rails,
    accel: f.accel,
    sshPortBase: f.sshPortBase,
    bootTimeoutMs: f.bootTimeout === undefined ? undefined : f.bootTimeout * 1000,
    fabric: f.fabric,
    memoryMb: f.memory,
    stateDir: f.stateDir,
    log: (l) => ctx.stderr.write(`cluster: ${l}\n`),
    signal: ctx.signal,
  });
  try {
    // a reused cluster may carry faults a killed run left in effect
    if (r.reused) await healCluster(r.driver, localJournal(r.state.stateDir), (l) => ctx.stderr.write(`cluster: ${l}\n`));
    const nodes = r.nodes;
    const secs = (r.timings.usableAt - r.timings.commandAt) / 1000;
    if (f.json) {
      ctx.stdout.write(JSON.stringify({ stateDir: r.state.stateDir, reused: r.reused, accel: r.state.accel, fabric: r.state.fabric, seconds: secs, nodes }) + '\n');
    } else {
      ctx.stdout.write(nodeTable(nodes));
      const how = r.reused ? 'reused the running cluster' : `up in ${secs.toFixed(1)} s`;
      ctx.stdout.write(`${how} (${r.state.accel}, ${r.state.fabric} fabric, state ${r.state.stateDir})\n`);
    }
  } finally {
    await r.driver.close();
  }
  return 0;
}

export async function clusterStatusCommand(ctx: CommandContext, f: { stateDir?: string; json?: boolean }): Promise<number> {
  const st = localStatus(f.stateDir ?? defaultStateDir());
  if (!st.running || !st.state) {
    const dead = Object.entries(st.alive).filter(([, a]) => !a).map(([n]) => n);
    const why = !st.state ? 'none found' : dead.length > 0 ? `dead nodes: ${dead.join(', ')}` : `phase ${st.state.phase}`;
    throw new InputError('cluster.notRunning', `no running local cluster in ${st.stateDir} (${why}); rdma-chaos cluster up (or down to clean up)`);
  }
  const driver = openLocalDriver({ stateDir: st.stateDir });
  try {
    const nodes = await driver.list();
    const s = st.state;
    if (f.json) {
      ctx.stdout.write(JSON.stringify({ stateDir: s.stateDir, accel: s.accel, fabric: s.fabric, kernel: s.kernel, createdAt: s.createdAt, shape: s.shape, nodes }) + '\n');
    } else {
      ctx.stdout.write(nodeTable(nodes));
      ctx.stdout.write(`${s.shape.nodes} nodes, ${s.shape.rails} rails, ${s.accel}, ${s.fabric} fabric, kernel ${s.kernel}, up since ${s.readyAt ?? s.createdAt}\n`);
    }
  } finally {
    await driver.close();
  }
  return 0;
}

export async function clusterExecCommand(ctx: CommandContext, node: string, cmd: string[], f: { stateDir?: string }): Promise<number> {
  // options after NODE pass through to the command, so commander keeps the `--` separator
  const argv = cmd[0] === '--' ? cmd.slice(1) : cmd;
  if (argv.length === 0) throw new InputError('cluster.emptyCommand', 'cluster exec: no command (usage: cluster exec NODE -- CMD ARGS...)');
  const driver = openLocalDriver({ stateDir: f.stateDir });
  try {
    const r = await driver.exec(node, argv, {
      onStdout: (b) => ctx.stdout.write(b.toString('utf8')),
      onStderr: (b) => ctx.stderr.write(b.toString('utf8')),
      signal: ctx.signal,
    });
    if (r.code !== null) return r.code;
    // killed by a signal: the shell convention
    const signum = r.signal ? SIGNALS[r.signal.replace(/^SIG/, '')] : undefined;
    return signum ? 128 + signum : 255;
  } finally {
    await driver.close();
  }
}

/** `cluster heal`: recover the controller-side faults an interrupted run left in effect */
export async function clusterHealCommand(ctx: CommandContext, f: { stateDir?: string; json?: boolean }): Promise<number> {
  const dir = f.stateDir ?? defaultStateDir();
  const driver = openLocalDriver({ stateDir: dir });
  try {
    const healed = await healCluster(driver, localJournal(dir), (l) => ctx.stderr.write(`cluster: ${l}\n`));
    if (f.json) ctx.stdout.write(JSON.stringify({ stateDir: dir, healed }) + '\n');
    else ctx.stdout.write(healed.length ? `healed ${healed.length} fault(s): ${healed.join(', ')}\n` : `no fault left in effect (${dir})\n`);
  } finally {
    await driver.close();
  }
  return 0;
}

/** `cluster power off|on NODE`: the out-of-band power control an ssh inventory names for the local VMs */
export async function clusterPowerCommand(ctx: CommandContext, state: string, node: string, f: { stateDir?: string }): Promise<number> {
  if (state !== 'off' && state !== 'on') throw new InputError('cluster.powerState', `cluster power: expected off or on, got "${state}"`);
  const driver = openLocalDriver({ stateDir: f.stateDir, nodesDown: true });
  try {
    if (state === 'off') await driver.crashNode(node);
    else if (driver.nodeAlive(node)) ctx.stdout.write(`${node} is already on\n`);
    else await driver.restartNode(node, { log: (l) => ctx.stderr.write(`cluster: ${l}\n`) });
  } finally {
    await driver.close();
  }
  return 0;
}

export async function clusterDownCommand(ctx: CommandContext, f: { stateDir?: string; json?: boolean }): Promise<number> {
  const dir = f.stateDir ?? defaultStateDir();
  const r = await clusterDown(dir);
  if (f.json) {
    ctx.stdout.write(JSON.stringify({ stateDir: dir, ...r }) + '\n');
  } else if (!r.found) {
    ctx.stdout.write(`nothing was running (${dir})\n`);
  } else {
    ctx.stdout.write(`stopped ${r.stopped.length} process(es): ${r.stopped.join(', ') || 'none alive'}\n`);
    if (r.logsDir) ctx.stdout.write(`consoles kept in ${r.logsDir}\n`);
  }
  return 0;
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, PIPE: 13, ALRM: 14, TERM: 15 };

export function nodeTable(nodes: NodeInfo[]): string {
  const railCount = Math.max(0, ...nodes.map((n) => n.rails.length));
  const header = ['NAME', 'SSH', ...Array.from({ length: railCount }, (_, k) => `RAIL${k}`), 'RXE', 'STATE'];
  const rows = nodes.map((n) => [
    n.name,
    n.endpoint,
    ...Array.from({ length: railCount }, (_, k) => n.rails[k] ? `${n.rails[k]!.netdev} ${n.rails[k]!.address}` : '-'),
    n.rails.filter((r) => r.rdmaDevice).map((r) => `${r.rdmaDevice}:${r.portState ?? '?'}`).join(' ') || '-',
    n.state,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd() + '\n';
  return line(header) + rows.map(line).join('');
}
