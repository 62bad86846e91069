// npm run bench:soak: which data fabric backend survives sustained RDMA load? Per backend, a
// 2-node 1-rail local cluster runs perftest's ib_atomic_bw FETCH_AND_ADD without pause
// (--run_infinitely, one rate line per interval) for --minutes (default 30), while node1 pings
// node2 over the same rail once a second (ICMP: outside the loaded RoCE traffic). A rail silent
// for --freeze-after seconds (default 10) whose node still answers SSH is a freeze (nothing
// else is faulted here). A frozen rail gets --heal-wait seconds to come back by itself, then is
// repaired as the harness would (re-create the fabric, then restart the nodes) and the load
// starts again, so a backend can freeze more than once. vde_switch (the default before this
// bench) is the anchor. By default every backend runs at the same time, side by side, so host
// load hits all alike; --sequential runs them one after another.
//
//   npm run bench:soak -- [--minutes 30] [--backends vde,bridge,dgram,stream] [--sequential]
//                         [--freeze-after 10] [--heal-wait 30] [--interval 10] [--json]
import { Command, InvalidArgumentError } from 'commander';
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { AccelMode } from '../local/accel';
import { QEMU_PROGRAMS } from '../local/down';
import { FABRIC_NAMES } from '../local/fabric';
import { scanOwned } from '../local/procs';
import { figures, perMinute, table } from './soak-stats';

import { BackendRun, log, type SoakOptions } from './soak-run';

function parsePositive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function parseOptions(argv: string[]): SoakOptions {
  const p = new Command('bench:soak')
    .option('--minutes <n>', 'soak length per backend', parsePositive, 30)
    .option('--backends <list>', `comma-separated, from ${FABRIC_NAMES.join(', ')}`, FABRIC_NAMES.join(','))
    .option('--sequential', 'one backend after another (default: all side by side)')
    .option('--freeze-after <s>', 'probe silence that counts as a freeze', parsePositive, 10)
    .option('--heal-wait <s>', 'how long a frozen rail may take to come back by itself before the repair', parsePositive, 30)
    .option('--interval <s>', "perftest's reporting interval", parsePositive, 10)
    .option('--no-repair', 'leave a frozen rail frozen (the backend is done at its first freeze)')
    .option('--accel <mode>', 'auto, kvm or tcg', 'auto')
    .option('--port-base <port>', 'SSH ports: backend k uses base + 10k + node', parsePositive, 22800)
    .option('--json', 'print the figures as JSON')
    .option('--json-out <file>', 'also write the JSON figures to this file')
    .exitOverride();
  p.parse(argv, { from: 'user' });
  const f = p.opts<{ minutes: number; backends: string; sequential?: boolean; freezeAfter: number; healWait: number; interval: number; repair: boolean; accel: string; portBase: number; json?: boolean; jsonOut?: string }>();
  const backends = f.backends.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = backends.filter((b) => !FABRIC_NAMES.includes(b));
  if (bad.length || backends.length === 0) throw new InvalidArgumentError(`--backends ${f.backends}: expected names from ${FABRIC_NAMES.join(', ')}`);
  if (!['auto', 'kvm', 'tcg'].includes(f.accel)) throw new InvalidArgumentError(`--accel ${f.accel}: expected auto, kvm or tcg`);
  return {
    minutes: f.minutes,
    backends,
    sequential: f.sequential === true,
    freezeAfterS: f.freezeAfter,
    healWaitS: f.healWait,
    intervalS: Math.round(f.interval),
    repair: f.repair,
    json: f.json === true,
    jsonOut: f.jsonOut,
    accel: f.accel as AccelMode,
    portBase: Math.round(f.portBase),
  };
}

const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  let o: SoakOptions;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (e: unknown) {
    const code = (e as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.help') return;
    console.error(`bench:soak: ${(e as Error).message}`);
    process.exitCode = 254;
    return;
  }
  const startedAt = new Date().toISOString();
  const loadBefore = load();
  const others = scanOwned('', QEMU_PROGRAMS).length;
  const header = [
    `bench:soak  ${startedAt}  ${o.backends.join(', ')}  ${o.minutes} min each, ${o.sequential ? 'one after another' : 'side by side'}`,
    `host: ${os.cpus().length} cores, load ${loadBefore}${others ? `, ${others} other qemu process(es) already running (their load counts)` : ''}`,
    `load: ib_atomic_bw FETCH_AND_ADD node2 -> node1 on rxe0 (--run_infinitely, ${o.intervalS} s lines); probe: ping node1 -> node2 on data0 every 1 s;`,
    `freeze: probe silent > ${o.freezeAfterS} s while SSH answers; heal wait ${o.healWaitS} s, then ${o.repair ? 're-create the rail (and restart the nodes if needed)' : 'no repair'}`,
  ];
  if (!o.json) console.log(header.join('\n'));
  for (const l of header) log(l);

  const abort = new AbortController();
  const onSignal = (sig: string): void => {
    if (abort.signal.aborted) process.exit(130);
    log(`${sig}: ending the soak early and tearing the clusters down (again to force)`);
    abort.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const runs = o.backends.map((b, i) => new BackendRun(b, i, o));
  const leftovers: string[] = [];
  try {
    if (o.sequential) {
      for (const r of runs) {
        if (abort.signal.aborted) break;
        if (await r.boot(abort.signal)) {
          const t0 = Date.now();
          await r.run(t0, t0 + o.minutes * 60_000, abort.signal);
        }
        leftovers.push(...(await r.teardown()));
      }
    } else {
      // boot one after another (8 VMs booting at once on 2 cores would mostly time out), then
      // load them all from the same moment
      const ok: BackendRun[] = [];
      for (const r of runs) if (!abort.signal.aborted && (await r.boot(abort.signal))) ok.push(r);
      const t0 = Date.now();
      log(`soak started: ${ok.map((r) => r.backend).join(', ')} until ${new Date(t0 + o.minutes * 60_000).toISOString()}`);
      await Promise.all(ok.map((r) => r.run(t0, t0 + o.minutes * 60_000, abort.signal)));
    }
  } finally {
    if (!o.sequential) for (const r of runs) leftovers.push(...(await r.teardown().catch((e: unknown) => [`${r.backend}: teardown failed: ${(e as Error).message}`])));
  }
  const figs = runs.map((r) => figures(r.result));
  const loadAfter = load();
  const doc = {
    startedAt,
    endedAt: new Date().toISOString(),
    minutes: o.minutes,
    mode: o.sequential ? 'sequential' : 'concurrent',
    cores: os.cpus().length,
    loadBefore,
    loadAfter,
    options: o,
    anchor: 'vde',
    backends: runs.map((r, i) => ({
      ...figs[i],
      bootSeconds: r.result.bootSeconds,
      freezeEvents: r.result.freezes,
      loadRestartEvents: r.result.loadRestarts ?? [],
      opsPerMinute: perMinute(r.result.samples, r.result.minutesRun).map((x) => Math.round(x)),
    })),
    leftovers,
  };
  if (o.jsonOut) fs.writeFileSync(o.jsonOut, JSON.stringify(doc, null, 2) + '\n');
  if (o.json) {
    console.log(JSON.stringify(doc, null, 2));
  } else {
    console.log('');
    console.log(table(figs));
    for (const r of runs) {
      for (const [i, f] of r.result.freezes.entries()) {
        const end = f.endMs === undefined ? 'never answered again' : `answered again at ${(f.endMs / 60_000).toFixed(1)} min${f.selfHealed ? ' by itself' : ''}`;
        console.log(`${r.backend} freeze ${i + 1}: ${f.kind} silent from ${(f.sinceMs / 60_000).toFixed(1)} min, ${end}; repair: ${f.repair}`);
      }
    }
    for (const r of runs) {
      const pm = perMinute(r.result.samples, r.result.minutesRun).map((x) => Math.round(x));
      console.log(`${r.backend} ops/s per minute: ${pm.join(' ')}`);
    }
    console.log(`load after: ${loadAfter}; ended ${new Date().toISOString()}`);
    console.log(leftovers.length ? `LEFT BEHIND: ${leftovers.join(', ')}` : 'teardown: no qemu, netns or socket of the soak left');
  }
  if (leftovers.length) process.exitCode = 255;
  if (abort.signal.aborted && !process.exitCode) process.exitCode = 130;
  process.exit(); // SSH keep-alives of closed drivers must not hold the process
}

main().catch((e: unknown) => {
  console.error(`bench:soak failed: ${(e as Error).stack ?? e}`);
  process.exit(255);
});
