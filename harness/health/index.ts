// Node and fabric health for a run: tell a finding about the system under test from a broken
// testbed. RunHealth captures every node's kernel log into <run>/consoles/, turns the kernel's
// reports into findings (with the faults active then), runs the fabric watchdog, and after the
// run repairs what broke so the next campaign on the same cluster runs normally.
//   detectors  kernel log lines -> reports (pure)
//   explain    which fault explains a silent probe path or node (pure)
//   capture    console tail (local) / dmesg --follow (ssh, docker) into the run directory
//   watchdog   ring of pings per rail, SSH liveness, and the verdict on them (judge, pure)
//   repair     re-create a rail, restart nodes, check every rail answers
import * as path from 'node:path';
import { RUN_FILES, type FaultEffects, type FaultWindow, type Finding, type NodeDriver } from '../core';
import { ConsoleCapture } from './capture';
import { excerptOf, isKernelTrouble, kernelTime, scanConsole, type ConsoleLine } from './detectors';
import { activeIds } from './explain';
import { canRestart, planRepair, repairCluster, type NodeEnd, type RepairPlan } from './repair';
import { FabricWatchdog, type ProbeTarget, type Trip, type WatchdogOptions } from './watchdog';

export { scanConsole, excerptOf, isKernelTrouble, kernelTime, type ConsoleLine, type KernelEvent, type FindingKind } from './detectors';
export { activeDuring, explainNode, explainPath, activeIds, type ExplainOptions } from './explain';
export { ConsoleCapture, type CaptureOptions } from './capture';
export { FabricWatchdog, judge, ringPaths, probeArgv, type ProbeTarget, type Trip, type WatchdogOptions, type WatchFacts } from './watchdog';
export { canRestart, planRepair, repairCluster, verifyFabric, type FabricProblem, type NodeEnd, type RepairPlan, type RepairResult, type RestartingDriver } from './repair';

export interface HealthOptions extends WatchdogOptions {
  /** run the fabric watchdog (default true; capture always runs) */
  watchdog?: boolean;
  /** repair the cluster after a broken run (default true) */
  repair?: boolean;
}

export interface RunHealthDeps {
  driver: NodeDriver;
  /** the run directory */
  dir: string;
  nodes: readonly string[];
  /** history clock, ns */
  now(): number;
  log(line: string): void;
  /** the nemesis' fault windows so far */
  faults(): readonly FaultWindow[];
  /** what faults do to probes and nodes (the fault registry's answer) */
  effects: FaultEffects;
  /** the watchdog tripped: the run should stop (its verdict will be unknown) */
  onInfrastructureFault(reason: string): void;
}

export interface HealthOutcome {
  findings: Finding[];
  infrastructureFault?: { reason: string; repaired: boolean };
  /** nodes that do not answer at the end and that the driver cannot restart (ssh) */
  nodesLost?: string[];
  notes: string[];
}

/** the local guest's boot announcements on its console (harness/cluster/local/qemu.ts) */
const BOOTED = /^RDMA-CHAOS-(?:SSHD|READY) /;

/** how long a node has to answer at the end of a run before it counts as lost */
const LOST_PROBE_MS = 20_000;

/** faults active within this long before a kernel line was read count as active then */
const LOOKBACK_NS = 2e9;

export class RunHealth {
  private readonly capture: ConsoleCapture;
  private watchdog: FabricWatchdog | undefined;
  private targets: ProbeTarget[] = [];
  /** first serious kernel report per node (panic, oops, BUG, lockup, stall, hung task) */
  private readonly trouble = new Map<string, ConsoleLine>();

  constructor(
    private readonly d: RunHealthDeps,
    private readonly o: HealthOptions = {},
  ) {
    this.capture = new ConsoleCapture({
      driver: d.driver,
      dir: path.join(d.dir, RUN_FILES.consolesDir),
      nodes: d.nodes,
      now: d.now,
      log: d.log,
      onLine: (node, line) => {
        if (!this.trouble.has(node) && isKernelTrouble(line.text)) {
          this.trouble.set(node, line);
          d.log(`${node}: kernel trouble on the console: ${line.text.trim()}`);
        }
      },
    });
  }

  /** Start capturing kernel logs (as early as possible: before the agents start). */
  start(): void {
    this.capture.start();
    this.d.log(`health: capturing kernel logs (${this.capture.source}) into ${RUN_FILES.consolesDir}/`);
  }

  /** Start the fabric watchdog once the nodes' rail addresses are known. */
  watch(targets: readonly ProbeTarget[]): void {
    this.targets = [...targets];
    if (this.o.watchdog === false || targets.length < 2) return;
    const driver = this.d.driver as NodeDriver & { nodeAlive?(node: string): boolean };
    this.watchdog = new FabricWatchdog(
      {
        driver: this.d.driver,
        targets,
        now: this.d.now,
        faults: this.d.faults,
        effects: this.d.effects,
        kernelTrouble: (n) => this.trouble.has(n),
        log: this.d.log,
        onTrip: (t) => this.d.onInfrastructureFault(t.reason),
        ...(typeof driver.nodeAlive === 'function' ? { alive: (n: string) => driver.nodeAlive!(n) } : {}),
      },
      this.o,
    );
    this.watchdog.start();
    const w = this.watchdog.options;
    this.d.log(`health: watchdog probing ${targets.length} nodes on every rail every ${w.intervalMs} ms (failed after ${w.failAfterMs / 1000} s)`);
  }

  get trip(): Trip | undefined {
    return this.watchdog?.trip;
  }

  /** nodes whose kernel reported serious trouble, or whose VM is not running */
  brokenNodes(): string[] {
    const driver = this.d.driver as NodeDriver & { nodeAlive?(node: string): boolean };
    return this.d.nodes.filter((n) => this.trouble.has(n) || (typeof driver.nodeAlive === 'function' && !driver.nodeAlive(n)));
  }

  private stopping: Promise<void> | undefined;

  /** Stop capture and probes (idempotent); safe on every exit path. */
  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    await Promise.all([this.watchdog?.stop(), this.capture.stop()]);
    for (const s of this.watchdog?.summary() ?? []) {
      this.d.log(`health: probes ${s.path.from} -> ${s.path.to} rail ${s.path.rail}: ${s.replies} replies, longest silence ${(s.longestSilenceMs / 1000).toFixed(1)} s`);
    }
  }

  /** Findings from the kernel logs and the watchdog, with the faults active at each moment. */
  findings(): Finding[] {
    const faults = this.d.faults();
    const out: Finding[] = [];
    for (const node of this.d.nodes) {
      const lines = this.capture.lines(node);
      for (const e of scanConsole(lines)) {
        const at = lines[e.first]!;
        const t = at.time;
        out.push({
          kind: e.kind,
          node,
          ...(t !== undefined ? { time: t } : {}),
          ...(at.wall ? { wallTime: at.wall } : {}),
          message: e.message,
          excerpt: excerptOf(e, lines),
          activeFaults: t !== undefined ? activeIds(faults, t - LOOKBACK_NS, t) : [],
        });
      }
    }
    const trip = this.trip;
    if (trip) {
      const now = this.d.now();
      const active = activeIds(faults, now - 60e9, now);
      const wall = new Date().toISOString();
      for (const r of trip.rails) {
        out.push({ kind: 'fabric-frozen', node: `rail${r}`, wallTime: wall, message: `data rail ${r} froze: no probe on it was answered, and no fault explains it`, excerpt: trip.details.join('\n'), activeFaults: active });
      }
      for (const n of trip.nodes) {
        const unreachable = trip.unreachable.includes(n);
        out.push({
          kind: unreachable ? 'node-unreachable' : 'fabric-frozen',
          node: n,
          wallTime: wall,
          message: unreachable ? `${n} stopped answering SSH, and no fault explains it` : `${n} stopped answering probes on its data rails, and no fault explains it`,
          excerpt: trip.details.join('\n'),
          activeFaults: active,
        });
      }
    }
    return out.sort((a, b) => (a.time ?? Infinity) - (b.time ?? Infinity));
  }

  /** The node's console shows a new boot after its first kernel trouble (kernel time went back, or READY again). */
  private rebootedSinceTrouble(node: string): boolean {
    const t = this.trouble.get(node);
    if (!t) return false;
    const lines = this.capture.lines(node);
    const at = lines.indexOf(t);
    const k0 = kernelTime(t.text);
    for (let i = at + 1; at >= 0 && i < lines.length; i++) {
      const text = lines[i]!.text;
      if (BOOTED.test(text)) return true;
      const k = kernelTime(text);
      if (k0 !== undefined && k !== undefined && k < k0) return true;
    }
    return false;
  }

  /**
   * After the run (agents stopped): findings, the infrastructure fault if the watchdog
   * tripped, and the repairs: a frozen rail re-created, wedged, dead or kernel-troubled nodes
   * restarted, every rail checked.
   */
  async finish(): Promise<HealthOutcome> {
    await this.stop();
    const findings = this.findings();
    const notes: string[] = [];
    const trip = this.trip;
    const driver = this.d.driver as NodeDriver & { nodeAlive?(node: string): boolean };
    const ends: NodeEnd[] = this.d.nodes.map((n) => ({
      node: n,
      troubled: this.trouble.has(n),
      rebootedSince: this.rebootedSinceTrouble(n),
      dead: typeof driver.nodeAlive === 'function' && !driver.nodeAlive(n),
    }));
    const planned = planRepair(trip, ends);
    const plan: RepairPlan = planned.plan;
    notes.push(...planned.notes);
    let repaired = false;
    const wanted = plan.rails.length > 0 || plan.nodes.length > 0;
    if (wanted && this.o.repair !== false) {
      this.d.log(`health: repairing ${[...plan.rails.map((r) => `rail ${r}`), ...plan.nodes].join(', ')}`);
      const r = await repairCluster(this.d.driver, plan, this.targets, this.d.log);
      repaired = r.repaired;
      notes.push(`repair: ${r.actions.join('; ')}`);
      this.d.log(`health: repair ${repaired ? 'done' : 'FAILED'}: ${r.actions.join('; ')}`);
    } else if (wanted) {
      notes.push(`not repaired (repair off): ${[...plan.rails.map((r) => `rail ${r}`), ...plan.nodes].join(', ')}`);
    }
    const outcome: HealthOutcome = { findings, notes };
    if (trip) outcome.infrastructureFault = { reason: trip.reason, repaired: repaired && canRestart(this.d.driver) };
    const lost = await this.lostNodes();
    if (lost.length) {
      outcome.nodesLost = lost;
      const many = lost.length > 1;
      notes.push(`node-lost: ${lost.join(', ')} ${many ? 'do' : 'does'} not answer at the end of the run, and the ${this.d.driver.kind} driver cannot restart nodes: bring ${many ? 'them' : 'it'} back before the next campaign`);
      this.d.log(`health: node-lost: ${lost.join(', ')}`);
    }
    return outcome;
  }

  /**
   * With a driver that cannot restart nodes (ssh), the nodes that do not answer once the run is
   * over: lost to the next campaign, which should hear it from this run, not fail on them.
   */
  private async lostNodes(): Promise<string[]> {
    if (canRestart(this.d.driver)) return [];
    const answers = await Promise.all(
      this.d.nodes.map(async (n) => {
        try {
          // a dead node's reconnects stop at the signal; a hung one's command at the timeout
          const r = await this.d.driver.exec(n, ['true'], { timeoutMs: LOST_PROBE_MS, idempotent: true, signal: AbortSignal.timeout(LOST_PROBE_MS) });
          return r.code === 0;
        } catch {
          return false;
        }
      }),
    );
    return this.d.nodes.filter((_, i) => !answers[i]);
  }
}
