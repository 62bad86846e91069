// One lock scheme for the controller's files (the cluster state dir, the docker rootfs cache):
// a file created exclusively holding its owner's PID and start time, so a holder that died
// (even by SIGKILL) is recognised and taken over, a recycled PID is not mistaken for it, and a
// lock still being written (empty for an instant) is waited for rather than deleted.
import * as fs from 'node:fs';
import { identify, isAlive, type OwnedProc } from './procs';

export interface LockOptions {
  /** how long to wait for a live holder */
  waitMs: number;
  /** the error when it is still held at the end; gets the holder when it could be read */
  busy(holder: OwnedProc | undefined): Error;
  /** the error when the file cannot be created at all (permissions, a missing dir) */
  cannot(code: string | undefined): Error;
}

/** an unreadable lock older than this was left empty by a crash between create and write */
const TORN_LOCK_MS = 2000;
const POLL_MS = 100;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function ageMs(f: string): number {
  try {
    return Date.now() - fs.statSync(f).mtimeMs;
  } catch {
    return 0;
  }
}

/** Takes `file` for this process (as `role`); resolves to its release. */
export async function lockFile(file: string, role: string, o: LockOptions): Promise<() => void> {
  const me = identify(process.pid, role, '');
  const end = Date.now() + o.waitMs;
  for (;;) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      return () => {
        try {
          const held = JSON.parse(fs.readFileSync(file, 'utf8')) as OwnedProc;
          if (held.pid === process.pid) fs.rmSync(file, { force: true });
        } catch {
          /* already gone */
        }
      };
    } catch (e: unknown) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw o.cannot(code);
    }
    let holder: OwnedProc | undefined;
    try {
      holder = JSON.parse(fs.readFileSync(file, 'utf8')) as OwnedProc;
    } catch {
      // being written right now (look again shortly), or left empty by a crash: take it over
      holder = undefined;
      if (ageMs(file) > TORN_LOCK_MS) fs.rmSync(file, { force: true });
    }
    // the empty marker: only the PID and its start time say who holds it
    if (holder && !isAlive({ ...holder, marker: '' })) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() >= end) throw o.busy(holder);
    await sleep(POLL_MS);
  }
}
