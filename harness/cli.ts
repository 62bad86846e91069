// Declares the commands and their options; each action lazy-imports harness/commands/<name>.ts
// so `rdma-chaos check` never loads ssh2 or the cluster code.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CommandContext } from './context';

export function buildCli(ctx: CommandContext): Command {
  const program = new Command('rdma-chaos')
    .description('Fault-injection chaos testing for RDMA clusters (SoftRoCE), with at-most-once and linearizability checkers.')
    .version(readVersion())
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes: 0 valid, 1 violation found, 2 unknown (gave up), 254 bad input or arguments, 255 internal error.

Examples:
  $ rdma-chaos check history.jsonl
  $ rdma-chaos check --json ../shared/corpus/porcupine/jepsen/*.log`,
    );

  program
    .command('check')
    .description('check histories for linearizability (and at-most-once / stream order where they apply)')
    .argument('<files...>', 'history files')
    .addOption(
      new Option('--format <format>', 'input format (detected from the file when omitted)').choices([
        'native', 'jepsen-etcd', 'porcupine-kv', 'knossos-edn',
      ]),
    )
    .option('--model <model>', 'model to check against (see --help); default chosen from the history')
    .option('--json', 'print one JSON object per file')
    .option('--timeout <seconds>', 'time budget per file; out of time gives "unknown"', parseSeconds, 60)
    .option('--no-partition', 'check the whole history as one state (no P-compositionality)')
    .option('--explain', 'print the explanation of each violation')
    .addHelpText(
      'after',
      `
Models: register, cas-register (Knossos: nil read is a wildcard), etcd (cas-register, nil is absent,
        :fail :cas completed), counter (fetch-and-add, returns the old value), kv (get/put/append,
        partitioned by key), queue (FIFO for SEND/RECV), mutex.

Examples:
  $ rdma-chaos check --format jepsen-etcd etcd_002.log
  $ rdma-chaos check --model kv --no-partition c10-ok.txt
  $ rdma-chaos check --json run/history.jsonl`,
    )
    .action(async (files: string[], opts: Record<string, unknown>) => {
      const { checkCommand } = await import('./commands/check');
      ctx.exitCode = await checkCommand(ctx, files, opts);
    });

  return program;
}

export function parseSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError('expected a positive number of seconds');
  }
  return n;
}

function readVersion(): string {
  // package.json sits two levels above both harness/ and dist/harness/
  for (const p of ['../package.json', '../../package.json']) {
    try {
      return (require(p) as { version: string }).version;
    } catch {
      /* try the next layout */
    }
  }
  return '0.0.0';
}
