// Helpers for tests that boot their own small local cluster next to the shared one: a private
// state dir (short, for unix socket paths) and port range, a leftovers check, and the CLI run
// from source in a child process (so a test can SIGKILL a real controller).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clusterDown } from '../local';
import { fabricPrograms } from '../local/fabric';
import { QEMU_PROGRAMS } from '../local/down';
import { scanOwned } from '../local/procs';
import { ownMarker } from '../local/state';

const ROOT = path.resolve(__dirname, '../../..');

/** A private state dir under /run/rdma-chaos (short: sockets live there). */
export function testStateDir(name: string): string {
  const dir = `/run/rdma-chaos/t-${name}-${process.pid}`;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Bring down whatever a test left and remove its state dir. */
export async function removeTestCluster(dir: string): Promise<void> {
  try {
    await clusterDown(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface Leftovers {
  /** live (non-zombie) qemu / vde_switch processes carrying the state dir */
  processes: string[];
  /** unix sockets still under the state dir */
  sockets: string[];
}

export function leftovers(dir: string): Leftovers {
  const processes = scanOwned(ownMarker(dir), [...QEMU_PROGRAMS, ...fabricPrograms()]).map((p) => `${p.role} pid ${p.pid}`);
  const sockets: string[] = [];
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isSocket()) sockets.push(p);
      else if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return { processes, sockets };
}

/** `rdma-chaos ARGS` from the TypeScript sources, as a separate process. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['-r', path.join(__dirname, 'ts-register.js'), path.join(ROOT, 'harness', 'main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function waitUntil(ms: number, what: string, cond: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
