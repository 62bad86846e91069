// vde_switch: a userspace L2 switch per rail; qemu attaches with `-netdev vde,sock=DIR`.
// (Never qemu's TCP socket netdev: Nagle inside qemu turns each RDMA round trip into 22 ms.)
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../../core';
import { which } from '../../../setup';
import { identify, isAlive } from '../procs';
import type { FabricRecord } from '../state';
import type { FabricBackend, FabricContext } from './index';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const vdeBackend: FabricBackend = {
  name: 'vde',
  programs: ['vde_switch'],

  missing() {
    return which('vde_switch') ? undefined : 'vde_switch is not installed (package vde2): run rdma-chaos setup';
  },

  async start(rail: number, ctx: FabricContext): Promise<FabricRecord> {
    const sock = path.join(ctx.stateDir, `rail${rail}.sw`);
    const mgmt = path.join(ctx.stateDir, `rail${rail}.mgmt`);
    const pidfile = path.join(ctx.stateDir, `rail${rail}.pid`);
    const rec: FabricRecord = { rail, backend: 'vde', procs: [], paths: [sock, mgmt, pidfile], data: { sock, mgmt } };
    ctx.record(rec);
    for (const p of rec.paths) fs.rmSync(p, { recursive: true, force: true });
    // Daemon mode: in the foreground vde_switch quits on EOF of its stdin console. The daemon's
    // PID comes from the pidfile; until then the /proc scan in `down` covers it.
    const child = spawn('vde_switch', ['--sock', sock, '--mgmt', mgmt, '--daemon', '--pidfile', pidfile], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    const parentExit = new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.on('error', () => resolve(-1));
    });
    const code = await parentExit;
    child.unref();
    if (code !== 0) {
      throw new InputError('cluster.fabricFailed', `vde_switch for rail ${rail} failed to start: ${stderr.trim() || `exit ${code}`}`);
    }
    const end = Date.now() + 5000;
    for (;;) {
      const pid = Number(readOr(pidfile, '').trim());
      const p = pid > 0 ? identify(pid, `vde_switch rail${rail}`, ctx.marker) : undefined;
      if (p && fs.existsSync(path.join(sock, 'ctl'))) {
        rec.procs.push(p);
        ctx.record(rec);
        return rec;
      }
      if (Date.now() > end) {
        throw new InputError('cluster.fabricFailed', `vde_switch for rail ${rail} did not come up (no ${pidfile} or ${sock}/ctl)`);
      }
      await sleep(10);
    }
  },

  netdev(rec: FabricRecord): string {
    return `vde,sock=${rec.data.sock}`;
  },

  async freeze(rec: FabricRecord): Promise<void> {
    signalSwitch(rec, 'SIGSTOP');
  },

  async thaw(rec: FabricRecord): Promise<void> {
    signalSwitch(rec, 'SIGCONT');
  },
};

function signalSwitch(rec: FabricRecord, sig: 'SIGSTOP' | 'SIGCONT'): void {
  const p = rec.procs[0];
  if (!p || !isAlive(p)) throw new InputError('cluster.fabricFailed', `rail ${rec.rail}: its vde_switch is not running`);
  process.kill(p.pid, sig);
}

function readOr(f: string, dflt: string): string {
  try {
    return fs.readFileSync(f, 'utf8');
  } catch {
    return dflt;
  }
}
