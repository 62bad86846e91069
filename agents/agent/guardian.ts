// The lease guardian: a tiny detached process (its own session, so an SSH hang-up or a kill of
// the agent does not take it along) that holds the agent's lease. The agent forwards every
// renewal; if the agent dies (its pipe closes without "bye") or the lease runs out, the
// guardian clears every fault recorded in the agent's state file and exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { clearFaults, discardFaultState, readFaultState, runCommand } from './faults';

export function runGuardian(stateFile: string, leaseMs: number): void {
  let deadline = Date.now() + leaseMs;
  let finished = false;
  const heal = async (): Promise<void> => {
    if (finished) return;
    finished = true;
    const problems = await clearFaults(readFaultState(stateFile), runCommand);
    if (problems.length === 0) discardFaultState(stateFile);
    process.exit(0);
  };
  let buf = '';
  process.stdin.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line === 'bye') {
        finished = true;
        process.exit(0);
      }
      const m = /^renew (\d+)$/.exec(line);
      if (m) deadline = Date.now() + Number(m[1]);
    }
  });
  // the agent is gone without saying bye: nobody else will heal its faults
  process.stdin.on('end', () => void heal());
  process.stdin.on('error', () => void heal());
  setInterval(() => {
    // renewals that arrived while the guest starved us are read after timers: look again then
    if (Date.now() > deadline) setImmediate(() => Date.now() > deadline && void heal());
  }, 100);
}

/** The agent's end of the guardian link. */
export class GuardianLink {
  private child: ChildProcess | undefined;
  private lastSent = 0;

  start(script: string, stateFile: string, leaseMs: number): void {
    this.child = spawn(process.execPath, [script, '--guardian', stateFile, '--lease-ms', String(leaseMs)], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    this.child.on('error', () => (this.child = undefined));
    this.child.stdin?.on('error', () => undefined);
    // neither the child nor its pipe may keep the agent alive
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  renew(ttlMs: number): void {
    const now = Date.now();
    if (!this.child?.stdin || now - this.lastSent < Math.min(200, ttlMs / 10)) return;
    this.lastSent = now;
    this.child.stdin.write(`renew ${ttlMs}\n`);
  }

  bye(): void {
    this.child?.stdin?.end('bye\n');
    this.child = undefined;
  }
}
