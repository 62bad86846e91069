// One controller per suite and store at a time: two nights writing one night.json, or a
// --resume racing the night it resumes, would each undo the other's record.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { identify, InputError, isAlive, type OwnedProc } from '../../core';
import { nightsOf } from './night';

export function lockSuite(store: string, suite: string): () => void {
  const dir = nightsOf(store, suite);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, '.lock');
  const me = identify(process.pid, 'nightly', '');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder: OwnedProc | undefined;
      try {
        holder = JSON.parse(fs.readFileSync(file, 'utf8')) as OwnedProc;
      } catch {
        /* torn by a kill: stale */
      }
      const live = holder && identify(holder.pid, holder.role, '');
      if (holder && live && live.starttime === holder.starttime && isAlive(live)) {
        throw new InputError('nightly.busy', `${dir}: suite ${suite} is already running in this store (pid ${holder.pid}); wait for it, or stop it first`);
      }
      // its controller is dead (SIGKILL, reboot): the lock is stale
      fs.rmSync(file, { force: true });
    }
  }
  throw new InputError('nightly.busy', `${file}: could not take the suite's lock`);
}
