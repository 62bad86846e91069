// Declares the commands and their options; each action lazy-imports harness/commands/<name>/ (its index.ts)
// so `rdma-chaos check` never loads ssh2 or the cluster code.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CommandContext } from './core';

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
    // a subcommand's options stay its own (`report index STORE --json` vs `report RUN --json`)
    .enablePositionalOptions()
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
    .argument('<files...>', 'history files (gzipped too), or run directories')
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
    .option('--progress', 'report reading and search progress on stderr, about once a second')
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
    .description('the local SoftRoCE cluster: qemu VMs with the real rdma_rxe, one virtual L2 fabric per rail (default: a Linux bridge in a netns)')
    .enablePositionalOptions()
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
    .option('--fabric <backend>', 'data fabric: bridge (default: taps on a Linux bridge in a netns), vde (vde_switch), dgram (UDP multicast), stream (2 nodes only)')
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
    // everything after NODE is the remote command, its options included
    .passThroughOptions()
    .addHelpText('after', `
Examples:
  $ rdma-chaos cluster exec node2 -- ibv_devinfo -d rxe0
  $ rdma-chaos cluster exec node1 -- sh -c 'nft list ruleset; tc qdisc show'`)
    .action(async (node: string, cmd: string[], opts: Record<string, unknown>) => {
      const { clusterExecCommand } = await import('./commands/cluster');
      ctx.exitCode = await clusterExecCommand(ctx, node, cmd, opts);
    });
  cluster
    .command('power')
    .description("a node's power, as a BMC would: off stops its VM at once (no shutdown); on boots it again and waits until SSH and its rxe ports are up (a node already on is left alone). The ssh inventory of the local VMs uses it, so the crash fault works over ssh:INVENTORY")
    .argument('<state>', 'off or on')
    .argument('<node>', 'node name')
    .addOption(stateDirOption())
    .addHelpText('after', `
Examples:
  $ rdma-chaos cluster power off node2
  $ rdma-chaos cluster power on node2`)
    .action(async (state: string, node: string, opts: Record<string, unknown>) => {
      const { clusterPowerCommand } = await import('./commands/cluster');
      ctx.exitCode = await clusterPowerCommand(ctx, state, node, opts);
    });
  cluster
    .command('heal')
    .description('recover the faults an interrupted run left in effect (a pulled cable, a paused agent, a crashed node); run and cluster up do it too')
    .addOption(stateDirOption())
    .option('--json', 'print what was healed as JSON')
    .addHelpText('after', `
Example:
  $ rdma-chaos cluster heal`)
    .action(async (opts: Record<string, unknown>) => {
      const { clusterHealCommand } = await import('./commands/cluster');
      ctx.exitCode = await clusterHealCommand(ctx, opts);
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

  program
    .command('run')
    .description('run a campaign on a cluster: workloads, failover policy and faults; record, check and store the history')
    .argument('[campaign]', 'a campaign YAML file')
    .option('--seed <n>', 'seed for the fault schedule and workloads (default: the campaign\'s, else random; always recorded)', parseInteger)
    .option('--store <dir>', 'where run directories go: STORE/<campaign>/<timestamp>/', 'store')
    .option('--cluster <spec>', 'local, ssh:INVENTORY or docker:HOST (overrides the campaign)')
    .option('--trust-on-first-use', 'ssh: let a host with no pinned key in once and pin the key it presents in the known_hosts file beside the inventory (a host whose pin differs is still refused)')
    .option('--replay <run_dir>', 'repeat a stored run: same campaign, schedule and seed')
    .option('--dry-run', 'print the plan (fault windows, processes) and exit')
    .option('--keep-cluster', 'leave a local cluster this run booted running afterwards')
    .option('--check-timeout <seconds>', 'linearizability budget at the end; out of time gives "unknown"', parseSeconds, 120)
    .option('--json', 'print the result summary as JSON (with --dry-run: the plan as JSON)')
    .option('--report', 'also write report.html into the run directory (whatever the verdict)')
    .option('--junit <file>', 'also write JUnit XML: one testcase per check, a violation as a failure')
    .option('--influx <url>', `stream live metrics to InfluxDB 1.x while the run goes: http://HOST:PORT/DATABASE (overrides the campaign's influx:; credentials from RDMA_CHAOS_INFLUX_USER / RDMA_CHAOS_INFLUX_PASSWORD, or their _FILE variants naming 0600 files)`)
    .option('--quiet', 'no progress lines on stderr (the stage lines, warnings and errors stay)')
    .addHelpText(
      'after',
      `
Progress goes to stderr: elapsed against planned, ops and ops/s, ok/info/fail counts and the
active faults, as a status line rewritten each second on a terminal, else a line every 10 s and
one at the end; then the check's progress. --quiet turns both off.
Exit codes: 0 valid, 1 violation found, 2 unknown, 254 bad campaign or cluster, 255 internal error.
--report and --junit do not change the exit code. An unreachable InfluxDB costs one warning: the
run goes on and its history is unaffected.
The run directory holds campaign.yaml (with its seed), history.jsonl (flushed as events arrive),
results.json, counters.jsonl and the controller and agent logs.

Examples:
  $ rdma-chaos run campaigns/default.yaml
  $ rdma-chaos run campaigns/shift/fadd-replay.yaml --seed 7 --store /var/lib/chaos
  $ rdma-chaos run campaigns/shift/fadd-replay.yaml --cluster ssh:inv.yaml --trust-on-first-use
  $ rdma-chaos run campaigns/random-10m.yaml --dry-run
  $ rdma-chaos run campaigns/default.yaml --report --junit junit.xml
  $ rdma-chaos run campaigns/random-10m.yaml --quiet --report --junit junit.xml
  $ rdma-chaos run campaigns/shift/fadd-replay.yaml --influx http://127.0.0.1:8086/rdma_chaos
  $ rdma-chaos run --replay store/fadd-replay/2026-11-21T22-00-00-000Z
  $ rdma-chaos run --replay store/random-10m/2026-11-21T22-00-00-000Z --dry-run --json`,
    )
    .action(async (campaign: string | undefined, opts: import('./commands/run').RunCommandOptions) => {
      const { runCommand } = await import('./commands/run');
      ctx.exitCode = await runCommand(ctx, campaign, opts);
    });

  program
    .command('nightly')
    .description('run a suite of campaigns unattended on one cluster (a night): each run on its own, the night resumable, JUnit XML, a JSON summary and the index at the end')
    .argument('<suite>', 'a suite YAML (campaigns or globs, repetitions, seeds, cluster, budget) or a directory of campaigns')
    .option('--store <dir>', 'where run directories and nights go: STORE/<campaign>/<timestamp>/, STORE/nights/<suite>/<night>/', 'store')
    .option('--repetitions <n>', "repetitions of every campaign, overriding the suite's (a new night only)", parseCount)
    .option('--budget <duration>', "the night's time budget, overriding the suite's (no run starts after it; the rest are skipped)")
    .option('--resume', "go on with this suite's unfinished night (after a killed controller or a reboot): the interrupted run is checked and kept, the next one starts; with none unfinished, a new night starts")
    .option('--keep <age|count>', 'retention: compress run directories older than this (30d) or beyond the newest N per campaign; they still work with recheck and report')
    .option('--cluster <spec>', "local, ssh:INVENTORY or docker:HOST for every campaign (overrides the suite's and the campaigns')")
    .option('--trust-on-first-use', 'ssh: pin the keys of hosts with no pin yet, as they present them')
    .option('--keep-cluster', 'leave a local cluster the night booted running afterwards')
    .option('--check-timeout <seconds>', 'linearizability budget of each run', parseSeconds, 120)
    .option('--influx <url>', 'stream every run\'s live metrics to InfluxDB 1.x: http://HOST:PORT/DATABASE (credentials from the environment, as for run)')
    .option('--json', 'print the night summary as JSON')
    .option('--quiet', 'no progress lines on stderr (errors still)')
    .addHelpText(
      'after',
      `
Exit codes: 0 every run met its campaign's expectation (an expected violation found counts as met),
1 a run did not, 2 a run was not decided (unknown, infrastructure fault, crashed harness, timeout,
skipped by the budget) or the night was interrupted, 254 bad suite or campaign.
Each run is its own \`rdma-chaos run\` process: a crash or a hang ends that run, not the night. The
night is recorded in STORE/nights/<suite>/<night>/ (night.json, nightly.log, junit.xml, summary.json);
the index is STORE/index.html.

Suite YAML:
  name: nightly
  budget: 6h            # no run starts after it
  repetitions: 2        # per campaign (catches flakiness)
  seeds: fresh          # fresh (recorded) | campaign | 7 | [1, 2]
  campaigns:
    - "*.yaml"          # globs, relative to the suite file
    - { file: ../shift/fadd-replay.yaml, repetitions: 3, seeds: [1, 2, 3] }

Examples:
  $ rdma-chaos nightly campaigns/nightly --store /var/lib/rdma-chaos --keep 30d
  $ rdma-chaos nightly campaigns/nightly/suite.yaml --resume --store /var/lib/rdma-chaos
  $ rdma-chaos nightly campaigns/nightly --cluster ssh:/etc/rdma-chaos/inventory.yaml --json
  $ rdma-chaos nightly campaigns/shift --budget 30m --quiet`,
    )
    .action(async (suite: string, opts: import('./commands/nightly').NightlyOptions) => {
      const { nightlyCommand } = await import('./commands/nightly');
      ctx.exitCode = await nightlyCommand(ctx, suite, opts);
    });

  program
    .command('shrink')
    .description('from a stored run with a violation to the smallest campaign that still reproduces it (same checker, same pattern), by real runs on one reused cluster')
    .argument('<run_dir>', 'a run directory whose results.json has a violation')
    .option('--runs <n>', 'runs per candidate', parseCount, 3)
    .option('--need <n>', 'of those, how many must reproduce it', parseCount, 2)
    .option('--budget <duration>', 'stop after this long with the smallest campaign found', '30m')
    .option('--out <file>', 'where the campaign goes (default RUN_DIR/shrunk.yaml)')
    .option('--cluster <spec>', "local, ssh:INVENTORY or docker:HOST (default: the run's)")
    .option('--trust-on-first-use', 'ssh: pin the keys of hosts with no pin yet')
    .option('--check-timeout <seconds>', 'linearizability budget of each run', parseSeconds, 120)
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'no progress lines')
    .addHelpText('after', `
Shrinks in order: fault steps (ddmin; then shorter, then narrower rails/opcodes/rate), workloads
(dropped; fewer clients, keys, depth, rate; a shorter run), then the cluster (nodes, rails). Each
candidate runs up to --runs times; only runs whose faults took effect count. A random schedule is
first written out as the steps it planned. RUN_DIR/shrink.jsonl logs every candidate as it ends.
Exit codes: 0 a campaign was written (its header says if the budget ran out), 2 the run's own
campaign did not reproduce or the shrink was interrupted, 254 bad input (a run with no violation).

Examples:
  $ rdma-chaos shrink store/cas-replay/2026-12-06T22-00-00-000Z
  $ rdma-chaos shrink RUN_DIR --runs 3 --need 3 --budget 1h --out cas-minimal.yaml`)
    .action(async (dir: string, opts: import('./commands/shrink').ShrinkOptions) => {
      const { shrinkCommand } = await import('./commands/shrink');
      ctx.exitCode = await shrinkCommand(ctx, dir, opts);
    });

  program
    .command('recheck')
    .description('check a stored run again (after a checker change, or with a bigger budget)')
    .argument('<run_dir>', 'a run directory')
    .option('--check-timeout <seconds>', 'linearizability budget', parseSeconds, 120)
    .option('--json', 'print the result summary as JSON')
    .addHelpText('after', `
Examples:
  $ rdma-chaos recheck store/fadd-replay/2026-11-21T22-00-00-000Z
  $ rdma-chaos recheck --check-timeout 600 RUN_DIR`)
    .action(async (dir: string, opts: { json?: boolean; checkTimeout?: number }) => {
      const { recheckCommand } = await import('./commands/run');
      ctx.exitCode = await recheckCommand(ctx, dir, opts);
    });

  const report = program
    .command('report')
    .description('write report.html for a stored run (offline, self-contained), plus JUnit XML, a JSON summary or an InfluxDB export')
    .argument('<run_dir>', 'a run directory (store/<campaign>/<timestamp>)')
    .option('--out <file>', 'where to write the HTML (default RUN_DIR/report.html)')
    .option('--junit <file>', 'also write JUnit XML: one testcase per check, violations as failures')
    .option('--json', 'print the run summary as JSON')
    .option('--influx <url>', `also export the run's metrics to InfluxDB 1.x: http://HOST:PORT/DATABASE (credentials from RDMA_CHAOS_INFLUX_USER / RDMA_CHAOS_INFLUX_PASSWORD, or their _FILE variants naming 0600 files)`)
    .option('--influx-db <name>', 'database name, overriding the URL path')
    .option('--detail-max <n>', 'above this many ops the timeline aggregates per lane (default 25000)', parseCount)
    .enablePositionalOptions()
    .addHelpText(
      'after',
      `
Exit code 0 when the report is written, whatever the run's verdict (the verdict is in the report, the
JUnit XML and --json). A bad run directory or URL exits 254.

Examples:
  $ rdma-chaos report store/shift-fadd/2025-01-01T02-00-00Z
  $ rdma-chaos report RUN_DIR --junit junit.xml --json > summary.json
  $ RDMA_CHAOS_INFLUX_USER=chaos RDMA_CHAOS_INFLUX_PASSWORD=... rdma-chaos report RUN_DIR --influx http://127.0.0.1:8086/rdma_chaos
  $ rdma-chaos report index store`,
    )
    .action(async (runDir: string, opts: import('./commands/report').ReportCommandOptions) => {
      const { reportCommand } = await import('./commands/report');
      ctx.exitCode = await reportCommand(ctx, runDir, opts);
    });
  report
    .command('index')
    .description('write index.html over every run in a store: pass/fail per campaign over time, violations, throughput, links to reports')
    .argument('<store_dir>', 'the run store (default layout store/<campaign>/<timestamp>)')
    .option('--out <file>', 'where to write it (default STORE_DIR/index.html)')
    .option('--render', 'also write report.html for runs without an up-to-date one (reads their histories)')
    .option('--nights <n>', 'nights per campaign row of the morning view (default 14)', parseCount)
    .option('--json', 'print what was done as JSON')
    .addHelpText('after', `
Per-run summaries are cached as RUN_DIR/.report-summary.json, keyed by results.json's size and mtime.
A store with nights (STORE/nights/<suite>/<night>/night.json, from \`rdma-chaos nightly\`) gets the
morning view first: per suite, what changed since the night before (flips, flaky campaigns, new
findings, infrastructure faults), then each campaign's last nights.

Examples:
  $ rdma-chaos report index store
  $ rdma-chaos report index --render --out /var/www/chaos/index.html store`)
    .action(async (store: string, opts: import('./commands/report').ReportIndexOptions) => {
      const { reportIndexCommand } = await import('./commands/report');
      ctx.exitCode = await reportIndexCommand(ctx, store, opts);
    });

  return program;
}

export function parseInteger(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
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
