// The single exit point: every command resolves to an exit code here, and only here do we
// call process.exit. Known errors print one line; anything else is a bug (255) with a stack.
import { CommanderError } from 'commander';
import { buildCli } from './cli';
import type { CommandContext } from './core';
import { ExitCode, isChaosError, WATCH_STDIN_ENV } from './core';

export async function runCli(argv: string[], io?: Partial<CommandContext>): Promise<number> {
  const ctx: CommandContext = {
    stdout: io?.stdout ?? process.stdout,
    stderr: io?.stderr ?? process.stderr,
    exitCode: ExitCode.valid,
    signal: io?.signal ?? new AbortController().signal,
  };
  const program = buildCli(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (e: unknown) {
    if (e instanceof CommanderError) {
      // --help and --version end here with 0; commander already printed the message.
      return e.exitCode === 0 ? ExitCode.valid : ExitCode.badInput;
    }
    if (isChaosError(e)) {
      ctx.stderr.write(`rdma-chaos: ${e.message} [${e.code}]\n`);
      return e.exitCode;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    ctx.stderr.write(`rdma-chaos: internal error: ${err.stack ?? err.message}\n`);
    return ExitCode.internal;
  }
}

/**
 * A reader that goes away (`| head`, `| grep -q`, a closed pager) is normal in scripts and cron
 * jobs: stop writing to it, and let the command end with its own exit code.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
  });
}

/**
 * A run started by `rdma-chaos nightly`: the suite's controller is gone when stdin closes. Die
 * as it did (SIGKILL), so the run is left exactly as a killed controller leaves one: recorded,
 * owned by a dead pid, healed by the next command, checked by `nightly --resume`.
 */
function watchParent(): void {
  if (process.env[WATCH_STDIN_ENV] !== '1') return;
  process.stdin.on('data', () => undefined);
  const die = (): void => void process.kill(process.pid, 'SIGKILL');
  process.stdin.once('end', die);
  process.stdin.once('close', die);
}

function main(): void {
  watchParent();
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  const ac = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupts += 1;
    // The first signal lets the command clean up (heal faults, stop VMs); a second one forces.
    if (interrupts > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
    process.stderr.write(`rdma-chaos: ${sig}: cleaning up (again to force)\n`);
    ac.abort(new Error(sig));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  runCli(process.argv.slice(2), { signal: ac.signal }).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`rdma-chaos: internal error: ${String(e)}\n`);
      process.exit(ExitCode.internal);
    },
  );
}

if (require.main === module) main();
export { main };
