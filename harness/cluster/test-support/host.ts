// Host-side helpers for test fixtures: run a command as an argument array, check whether a
// process is alive, wait for a condition. Fixtures only ever kill PIDs they recorded.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';

export interface HostResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], input?: string): Promise<HostResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Run and throw with the command's stderr when it fails. */
export async function must(cmd: string, args: string[], input?: string): Promise<string> {
  const r = await run(cmd, args, input);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Alive and not a zombie (PID 1 here reaps late, so kill -0 alone is not enough). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export async function waitFor(what: string, ms: number, cond: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopPid(pid: number, marker: string, graceMs = 10_000): Promise<void> {
  // A recorded PID may have been reused by now: only signal it if it is still ours.
  if (!alive(pid) || !cmdline(pid).includes(marker)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  try {
    await waitFor(`pid ${pid} to exit`, graceMs, () => !alive(pid));
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await waitFor(`pid ${pid} to die`, 5000, () => !alive(pid));
  }
}

/** Whether this kernel can run SoftRoCE, and why not. */
export function hostRxe(): { available: boolean; reason: string } {
  if (fs.existsSync('/sys/module/rdma_rxe')) return { available: true, reason: 'rdma_rxe loaded' };
  const release = fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  const mod = fs.existsSync(`/lib/modules/${release}`)
    ? ''
    : `, no /lib/modules/${release}`;
  return {
    available: false,
    reason: `host kernel ${release} has no rdma_rxe (not loaded${mod}), so no rxe device can exist on its netns or containers`,
  };
}
