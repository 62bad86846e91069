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
    .action(async (files: string[], opts: import('./commands/check').CheckCommandOptions) => {
      const { checkCommand } = await import('./commands/check');
      ctx.exitCode = await checkCommand(ctx, files, opts);
    });

  program
    .command('setup')
    .description('install what the local SoftRoCE cluster needs (apt packages, guest kernel, initramfs, SSH keys); idempotent, as root')
    .option('--check', 'only list what is missing and how to get it')
    .option('--json', 'print the checklist as JSON')
    .option('--verbose', 'show apt-get output')
    .addHelpText(
      'after',
      `
Cache: /var/cache/rdma-chaos (RDMA_CHAOS_CACHE overrides). Guest kernel: Debian's linux-image-<ver>-amd64
(RDMA_CHAOS_KERNEL=<ver> forces one), unpacked there, never installed as the host kernel.

Examples:
  $ sudo rdma-chaos setup
  $ rdma-chaos setup --check`,
    )
    .action(async (opts: Record<string, unknown>) => {
      const { setupCommand } = await import('./commands/setup');
      ctx.exitCode = await setupCommand(ctx, opts);
    });

  const cluster = program
    .command('cluster')
    .description('the local SoftRoCE cluster: qemu VMs with the real rdma_rxe, one vde_switch per rail')
    .addHelpText(
      'after',
      `
State: /run/rdma-chaos/cluster (RDMA_CHAOS_STATE or --state-dir overrides); every shell and run finds the
cluster there. Node i: SSH on 127.0.0.1:22100+i, rail k address 10.(77+k).0.i/24 on dataK with rxeK.

Examples:
  $ rdma-chaos cluster up --nodes 3 --rails 2
  $ rdma-chaos cluster exec node1 -- rdma link show
  $ rdma-chaos cluster status --json
  $ rdma-chaos cluster down`,
    );
  const stateDirOption = (): Option => new Option('--state-dir <dir>', 'cluster state directory');
  cluster
    .command('up')
    .description('boot the cluster (or reuse the running one of the same shape); prints the node table')
    .option('--nodes <n>', 'number of nodes', parseCount, 3)
    .option('--rails <n>', 'RoCE rails (NICs with an rxe device) per node: 1 or 2', parseCount, 2)
    .addOption(new Option('--accel <accel>', 'auto tries KVM with a short boot watchdog, then TCG').choices(['auto', 'kvm', 'tcg']).default('auto'))
    .option('--ssh-port-base <port>', 'node i gets 127.0.0.1:<port>+i', parseCount)
    .option('--boot-timeout <seconds>', 'give up on a node after this long', parseSeconds)
    .option('--fabric <backend>', 'data fabric backend (vde)')
    .option('--memory <MiB>', 'memory per node', parseCount)
    .addOption(stateDirOption())
    .option('--json', 'print the nodes as JSON')
    .addHelpText('after', `
Examples:
  $ rdma-chaos cluster up
  $ rdma-chaos cluster up --nodes 2 --rails 1 --accel tcg`)
    .action(async (opts: Record<string, unknown>) => {
      const { clusterUpCommand } = await import('./commands/cluster');
      ctx.exitCode = await clusterUpCommand(ctx, opts);
    });
  cluster
    .command('status')
    .description('show the running cluster: nodes, rail addresses, rxe port states')
    .addOption(stateDirOption())
    .option('--json', 'print as JSON')
    .action(async (opts: Record<string, unknown>) => {
      const { clusterStatusCommand } = await import('./commands/cluster');
      ctx.exitCode = await clusterStatusCommand(ctx, opts);
    });
  cluster
    .command('exec')
    .description('run a command on a node over SSH; streams its output and exits with its exit code')
    .argument('<node>', 'node name, e.g. node1')
    .argument('<cmd...>', 'the command and its arguments (after --)')
    .addOption(stateDirOption())
    .addHelpText('after', `
Examples:
  $ rdma-chaos cluster exec node2 -- ibv_devinfo -d rxe0
  $ rdma-chaos cluster exec node1 -- sh -c 'nft list ruleset; tc qdisc show'`)
    .action(async (node: string, cmd: string[], opts: Record<string, unknown>) => {
      const { clusterExecCommand } = await import('./commands/cluster');
      ctx.exitCode = await clusterExecCommand(ctx, node, cmd, opts);
    });
  cluster
    .command('down')
    .description('stop every VM and switch of the cluster and remove its sockets (also after a killed controller)')
    .addOption(stateDirOption())
    .option('--json', 'print what was stopped as JSON')
    .action(async (opts: Record<string, unknown>) => {
      const { clusterDownCommand } = await import('./commands/cluster');
      ctx.exitCode = await clusterDownCommand(ctx, opts);
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

export function parseCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
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
