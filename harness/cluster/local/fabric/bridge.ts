// bridge: one Linux bridge per rail inside a network namespace of the cluster's own (rcfab-HASH),
// a tap per node and rail enslaved to it. qemu stays in the host netns (its user-mode SSH
// forward must bind the host's loopback) and gets its tap through qemu's network-helper
// protocol: `-netdev bridge,helper=...` runs tap-helper.py under nsenter, which opens the tap
// inside the netns and passes the open fd back. No process of ours forwards packets: the host
// kernel does. Any number of nodes. Cleanup is `ip netns del` (taps die with their qemu).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../../core';
import { projectRoot, run, which } from '../../../setup';
import type { FabricRecord } from '../state';
import type { FabricBackend, FabricContext } from './index';

const PYTHON = '/usr/bin/python3';

/** The netns of a state dir: derived from it, so a sweep finds it without any record. */
export function bridgeNetns(stateDir: string): string {
  return `rcfab-${createHash('sha256').update(path.resolve(stateDir)).digest('hex').slice(0, 10)}`;
}

const bridgeName = (rail: number): string => `br${rail}`;
/** tap of node i on rail k (IFNAMSIZ is 16: keep it short) */
export const tapName = (nodeIndex: number, rail: number): string => `n${nodeIndex}r${rail}`;

function helperPath(): string {
  return path.join(projectRoot(), 'harness', 'cluster', 'local', 'fabric', 'tap-helper.py');
}

async function ip(netns: string, args: string[], what: string): Promise<string> {
  const r = await run(['ip', '-n', netns, ...args]);
  if (r.code !== 0) throw new InputError('cluster.fabricFailed', `${what}: ip -n ${netns} ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout;
}

async function netnsExists(name: string): Promise<boolean> {
  return fs.existsSync(path.join('/run/netns', name));
}

async function delNetns(name: string): Promise<void> {
  if (!(await netnsExists(name))) return;
  const r = await run(['ip', 'netns', 'del', name]);
  if (r.code !== 0 && (await netnsExists(name))) {
    throw new InputError('cluster.fabricFailed', `ip netns del ${name}: ${r.stderr.trim() || `exit ${r.code}`}`);
  }
}

async function ensureNetns(name: string): Promise<void> {
  if (await netnsExists(name)) return;
  const r = await run(['ip', 'netns', 'add', name]);
  if (r.code !== 0) throw new InputError('cluster.fabricFailed', `ip netns add ${name}: ${r.stderr.trim() || `exit ${r.code}`}`);
  await ip(name, ['link', 'set', 'lo', 'up'], 'fabric netns');
}

/** A fresh bridge for the rail: no STP (two nodes need no loop protection, and STP delays forwarding). */
async function makeBridge(netns: string, rail: number): Promise<void> {
  const br = bridgeName(rail);
  await ip(netns, ['link', 'add', br, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0'], `rail ${rail}`);
  await ip(netns, ['link', 'set', br, 'up'], `rail ${rail}`);
}

export const bridgeBackend: FabricBackend = {
  name: 'bridge',
  programs: [],

  missing() {
    if (!which('ip')) return 'ip is not installed (package iproute2): run rdma-chaos setup';
    if (!which('nsenter')) return 'nsenter is not installed (package util-linux): run rdma-chaos setup';
    if (!fs.existsSync(PYTHON)) return `${PYTHON} is not installed (package python3; the bridge fabric's tap helper): run rdma-chaos setup`;
    if (!fs.existsSync('/dev/net/tun')) return '/dev/net/tun is missing: the bridge fabric needs the tun driver';
    // qemu runs the helper line with sh -c: a path with blanks would split
    if (/[\s'"\\$`]/.test(helperPath())) return `${helperPath()}: the bridge fabric needs a checkout path without blanks or quotes`;
    return undefined;
  },

  async start(rail: number, ctx: FabricContext): Promise<FabricRecord> {
    const netns = bridgeNetns(ctx.stateDir);
    const rec: FabricRecord = { rail, backend: 'bridge', procs: [], paths: [], data: { netns, bridge: bridgeName(rail) } };
    ctx.record(rec); // before the netns exists: a killed controller's down still finds it
    await ensureNetns(netns);
    // a bridge left by a cluster killed before it recorded this rail
    await run(['ip', '-n', netns, 'link', 'del', bridgeName(rail)]);
    await makeBridge(netns, rail);
    return rec;
  },

  netdev(rec: FabricRecord, nodeIndex: number): string {
    // qemu appends `--use-vnet --fd=N --br=B` and runs the line with sh -c
    const helper = [which('nsenter') ?? '/usr/bin/nsenter', `--net=/run/netns/${rec.data.netns}`, PYTHON, helperPath(), tapName(nodeIndex, rec.rail), rec.data.bridge].join(' ');
    return `bridge,br=${rec.data.bridge},helper=${helper.replace(/,/g, ',,')}`;
  },

  alive(rec: FabricRecord): boolean {
    return rec.data.netns !== undefined && fs.existsSync(path.join('/run/netns', rec.data.netns));
  },

  async stop(rec: FabricRecord): Promise<void> {
    // the last rail's stop removes the netns; the others only their bridge
    const netns = rec.data.netns;
    if (!netns || !(await netnsExists(netns))) return;
    await run(['ip', '-n', netns, 'link', 'del', rec.data.bridge ?? bridgeName(rec.rail)]);
    const left = await run(['ip', '-n', netns, '-o', 'link', 'show', 'type', 'bridge']);
    if (left.code === 0 && left.stdout.trim() === '') await delNetns(netns);
  },

  /** The bridge down: its ports stop forwarding, while each tap (the guest's carrier) stays up. */
  async freeze(rec: FabricRecord): Promise<void> {
    await ip(rec.data.netns!, ['link', 'set', rec.data.bridge!, 'down'], `rail ${rec.rail}`);
  },

  async thaw(rec: FabricRecord): Promise<void> {
    await ip(rec.data.netns!, ['link', 'set', rec.data.bridge!, 'up'], `rail ${rec.rail}`);
  },

  async sweep(stateDir: string): Promise<void> {
    await delNetns(bridgeNetns(stateDir));
  },

  /** A new bridge with the running nodes' taps enslaved again: no node restarts. */
  async restart(rec: FabricRecord, ctx: FabricContext): Promise<FabricRecord> {
    const netns = rec.data.netns ?? bridgeNetns(ctx.stateDir);
    await ensureNetns(netns);
    const out = await run(['ip', '-n', netns, '-o', 'link', 'show']);
    const taps = [...out.stdout.matchAll(/^\d+:\s+(n\d+r(\d+))[@:]/gm)].filter((m) => Number(m[2]) === rec.rail).map((m) => m[1] as string);
    await run(['ip', '-n', netns, 'link', 'del', bridgeName(rec.rail)]);
    await makeBridge(netns, rec.rail);
    for (const t of taps) await ip(netns, ['link', 'set', 'dev', t, 'master', bridgeName(rec.rail), 'up'], `rail ${rec.rail}`);
    const next: FabricRecord = { ...rec, data: { ...rec.data, netns, bridge: bridgeName(rec.rail) } };
    ctx.record(next);
    return next;
  },
};
