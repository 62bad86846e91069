// Process identity for cleanup: a recorded process is ours only while PID, start time and
// command-line marker all match; a zombie counts as dead (PID 1 here reaps late); killOwned
// escalates to SIGKILL; scanOwned finds unrecorded processes by their marker.
import { spawn, type ChildProcess } from 'node:child_process';
import { identify, isAlive, killOwned, procStat, scanOwned } from './procs';

const marker = `/rc-procs-test-${process.pid}/`;
const children: ChildProcess[] = [];
function start(script: string): ChildProcess {
  // sh -c SCRIPT NAME MARKER: the marker sits in the command line like our state dir does
  const c = spawn('sh', ['-c', script, 'rc-test', marker], { stdio: 'ignore', detached: true });
  children.push(c);
  return c;
}
afterAll(() => {
  for (const c of children) {
    try {
      process.kill(-c.pid!, 'SIGKILL'); // the whole group: sh and its sleep
    } catch {
      /* already gone */
    }
  }
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('owned processes', () => {
  it('a live process is ours; with another start time or marker it is not', () => {
    const c = start('sleep 30');
    const p = identify(c.pid!, 'sleeper', marker)!;
    expect(isAlive(p)).toBe(true);
    expect(isAlive({ ...p, starttime: p.starttime + 1 })).toBe(false); // a recycled PID
    expect(isAlive({ ...p, marker: '/some/other/state/dir/' })).toBe(false);
  });

  it('a zombie is dead although kill -0 still succeeds', async () => {
    // the background sleep's parent execs into sleep, which never waits, so it never reaps
    const c = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    children.push(c);
    const pid = Number(await new Promise<string>((resolve) => c.stdout!.once('data', (b: Buffer) => resolve(b.toString()))));
    const z = identify(pid, 'short sleep', '')!;
    expect(isAlive(z)).toBe(true);
    for (let i = 0; i < 100 && procStat(pid)?.state !== 'Z'; i++) await sleep(50);
    expect(procStat(pid)?.state).toBe('Z');
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(isAlive(z)).toBe(false);
  });

  it('killOwned stops a TERM-ignoring process with SIGKILL and reports nothing left', async () => {
    const c = start("trap '' TERM; while :; do sleep 0.05; done");
    await sleep(100);
    const p = identify(c.pid!, 'stubborn', marker)!;
    expect(await killOwned([p], 300)).toEqual([]);
    expect(isAlive(p)).toBe(false);
  });

  it('scanOwned finds processes by program and marker only', () => {
    const c = start('sleep 31');
    return sleep(100).then(() => {
      const found = scanOwned(marker, ['sh']).map((p) => p.pid);
      expect(found).toContain(c.pid);
      expect(scanOwned(marker, ['qemu-system-x86_64'])).toEqual([]);
      expect(scanOwned('/no/such/marker/', ['sh'])).toEqual([]);
    });
  });
});
