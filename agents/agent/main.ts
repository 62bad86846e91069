// Entry point of the shipped agent bundle (and of its lease guardian).
//   node rdma-chaos-agent.js [--lease-ms N] [--state-dir DIR] [--no-guardian]
//   node rdma-chaos-agent.js --guardian STATE_FILE --lease-ms N
// The agent speaks JSON lines on stdio (agents/protocol.ts); logs never go to stdout.
import { mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { AgentArgsError, parseAgentArgs, type AgentArgs } from './args';
import { GuardianLink, runGuardian } from './guardian';
import { AgentServer } from './server';

/** bad arguments: one line on stderr, and the exit code the controller's bad input has */
const BAD_ARGS = 254;

export function main(): void {
  let args: AgentArgs;
  try {
    args = parseAgentArgs(process.argv.slice(2));
  } catch (e: unknown) {
    if (!(e instanceof AgentArgsError)) throw e;
    process.stderr.write(`rdma-chaos-agent: ${e.message}\n`);
    process.exit(BAD_ARGS);
  }
  const { leaseMs, guardian: guardianFile } = args;
  if (guardianFile) {
    runGuardian(guardianFile, leaseMs);
    return;
  }
  // batches run on libuv's pool; create it now (thread creation stalls the loop under TCG)
  process.env.UV_THREADPOOL_SIZE ??= '8';
  void stat('/');
  const script = process.argv[1]!;
  const stateDir = args.stateDir ?? path.dirname(script);
  mkdirSync(stateDir, { recursive: true });
  const stateFile = path.join(stateDir, `faults-${process.pid}.json`);
  let guardian: GuardianLink | undefined;
  if (!args.noGuardian) {
    guardian = new GuardianLink();
    guardian.start(script, stateFile, leaseMs);
  }
  // the controller asks for a tally (RDMA_CHAOS_AGENT_TALLY=1) when a crash audit will read it
  const tallyFile = process.env.RDMA_CHAOS_AGENT_TALLY === '1' ? path.join(stateDir, `tally-${process.pid}.jsonl`) : undefined;
  new AgentServer({ input: process.stdin, output: process.stdout, stateFile, leaseMs, guardian, ...(tallyFile ? { tallyFile } : {}) }).start();
}

if (require.main === module) main();
