// Entry point of the shipped agent bundle (and of its lease guardian).
//   node rdma-chaos-agent.js [--lease-ms N] [--state-dir DIR] [--no-guardian]
//   node rdma-chaos-agent.js --guardian STATE_FILE --lease-ms N
// The agent speaks JSON lines on stdio (agents/protocol.ts); logs never go to stdout.
import { mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { GuardianLink, runGuardian } from './guardian';
import { AgentServer } from './server';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function main(): void {
  const leaseMs = Number(arg('--lease-ms') ?? 10000);
  const guardianFile = arg('--guardian');
  if (guardianFile) {
    runGuardian(guardianFile, leaseMs);
    return;
  }
  // batches run on libuv's pool; create it now (thread creation stalls the loop under TCG)
  process.env.UV_THREADPOOL_SIZE ??= '8';
  void stat('/');
  const script = process.argv[1]!;
  const stateDir = arg('--state-dir') ?? path.dirname(script);
  mkdirSync(stateDir, { recursive: true });
  const stateFile = path.join(stateDir, `faults-${process.pid}.json`);
  let guardian: GuardianLink | undefined;
  if (!process.argv.includes('--no-guardian')) {
    guardian = new GuardianLink();
    guardian.start(script, stateFile, leaseMs);
  }
  new AgentServer({ input: process.stdin, output: process.stdout, stateFile, leaseMs, guardian }).start();
}

if (require.main === module) main();
