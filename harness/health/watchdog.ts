// The fabric watchdog. Every node pings the next node in a ring on every data rail, once a
// second, from one long-running shell per node (no process start per probe: each costs
// milliseconds of the guest's only vCPU under TCG). A path with no reply for failAfterMs, that
// no active fault cuts and that no kernel trouble on either end explains, trips the watchdog:
// a whole rail silent is a frozen fabric; one node silent on its rails, or not answering SSH
// at all, is a wedged node. The decision is the pure `judge`; this class only gathers facts.
import type { FaultEffects, FaultWindow, NodeDriver, ProbePath, RemoteProcess } from '../core';
import { explainNode, explainPath } from './explain';
import { Naps } from './naps';

export interface ProbeTarget {
  node: string;
  rails: { rail: number; netdev: string; ip: string }[];
}

export interface WatchdogOptions {
  /** ms between pings on a path; default 1000 */
  intervalMs?: number;
  /** a path silent this long has failed; default 12000 (a busy guest on a loaded 2-core host went 3-4 s between replies) */
  failAfterMs?: number;
  /**
   * a path that never answered yet (the watchdog just started) fails after this long instead;
   * default 30000: on a loaded host the first probes of a busy guest took longer than 8 s
   */
  firstReplyMs?: number;
  /** a node whose SSH session stays gone this long is unreachable; default 25000 */
  unreachableAfterMs?: number;
  /** a fault healed this recently still explains a failure; default 10000 */
  graceMs?: number;
  /** a failure must still hold this long later to trip (it then shows its whole extent); default 5000 */
  confirmMs?: number;
}

export interface WatchdogDeps {
  driver: NodeDriver;
  targets: readonly ProbeTarget[];
  /** history clock, ns */
  now(): number;
  faults(): readonly FaultWindow[];
  /** what faults do to probes and nodes */
  effects: FaultEffects;
  /** the kernel of this node reported trouble (panic, oops, ...): its silence is explained */
  kernelTrouble(node: string): boolean;
  log(line: string): void;
  onTrip(trip: Trip): void;
  /** the node's VM still runs (local driver): a dead one is lost at once, not after SSH notices */
  alive?(node: string): boolean;
}

export interface Trip {
  /** rails where no path answers */
  rails: number[];
  /** nodes that do not answer (on their rails, or over SSH) */
  nodes: string[];
  /** nodes whose SSH session is gone */
  unreachable: string[];
  reason: string;
  /** per failing path or node, one line */
  details: string[];
}

interface PathState extends ProbePath {
  ip: string;
  netdev: string;
  lastReply?: number;
  replies: number;
  longestSilenceMs: number;
}

interface NodeProbe {
  node: string;
  proc?: RemoteProcess;
  /** wall ms the current probe session started */
  upSince?: number;
  lostSince?: number;
  lostWhy?: string;
}

/** Facts at one moment, in wall ms (judge is pure over these). */
export interface WatchFacts {
  nowMs: number;
  nowNs: number;
  paths: readonly { path: ProbePath; lastReplyMs?: number; sourceUpSinceMs?: number }[];
  lost: readonly { node: string; sinceMs: number; why?: string }[];
  faults: readonly FaultWindow[];
  effects: FaultEffects;
  troubled: ReadonlySet<string>;
}

export function judge(f: WatchFacts, o: Required<WatchdogOptions>): Trip | undefined {
  const ex = { graceNs: o.graceMs * 1e6, failAfterMs: o.failAfterMs, effects: f.effects };
  const failing: ProbePath[] = [];
  /** unexplained paths silent for half their threshold or more, with how long */
  const quiet: { path: ProbePath; silentMs: number }[] = [];
  const evaluated: ProbePath[] = [];
  for (const p of f.paths) {
    if (p.sourceUpSinceMs === undefined) continue; // the source's probe is down: see `lost`
    evaluated.push(p.path);
    const ref = Math.max(p.lastReplyMs ?? 0, p.sourceUpSinceMs);
    const limit = p.lastReplyMs === undefined ? Math.max(o.failAfterMs, o.firstReplyMs) : o.failAfterMs;
    const silentMs = f.nowMs - ref;
    if (silentMs < limit / 2) continue;
    const { from, to } = p.path;
    if (f.troubled.has(from) || f.troubled.has(to)) continue;
    if (explainPath(f.faults, p.path, f.nowNs, ex)) continue;
    quiet.push({ path: p.path, silentMs });
    if (silentMs >= limit) failing.push(p.path);
  }
  const same = (a: ProbePath, b: ProbePath): boolean => a.from === b.from && a.to === b.to && a.rail === b.rail;
  const line = (q: { path: ProbePath; silentMs: number }): string => `${q.path.from} -> ${q.path.to} on rail ${q.path.rail}: no reply for ${(q.silentMs / 1000).toFixed(1)} s`;
  const details = quiet.filter((q) => failing.some((p) => same(p, q.path))).map(line);
  const unreachable: string[] = [];
  for (const l of f.lost) {
    if (f.nowMs - l.sinceMs < o.unreachableAfterMs) continue;
    if (f.troubled.has(l.node) || explainNode(f.faults, l.node, f.nowNs, ex)) continue;
    unreachable.push(l.node);
    details.push(`${l.node}: no SSH session for ${((f.nowMs - l.sinceMs) / 1000).toFixed(1)} s${l.why ? ` (${l.why})` : ''}`);
  }
  if (failing.length === 0 && unreachable.length === 0) return undefined;
  const railsSeen = [...new Set(evaluated.map((p) => p.rail))].sort((a, b) => a - b);
  // a rail froze when one of its paths failed and every other one went quiet too (replies on
  // a loaded host come irregularly: its paths do not all cross the threshold at once)
  const rails = railsSeen.filter((r) => {
    const on = evaluated.filter((p) => p.rail === r);
    return on.some((p) => failing.some((q) => same(p, q))) && on.every((p) => quiet.some((q) => same(p, q.path)));
  });
  for (const q of quiet) if (rails.includes(q.path.rail) && !failing.some((p) => same(p, q.path))) details.push(line(q));
  const railSilence = (r: number): number => Math.min(...quiet.filter((q) => q.path.rail === r).map((q) => q.silentMs));
  const rest = failing.filter((p) => !rails.includes(p.rail));
  const nodes = new Set<string>(unreachable);
  if (rest.length > 0) {
    // the node every remaining silent path shares; else every node on them
    const common = [rest[0]!.from, rest[0]!.to].find((n) => rest.every((p) => p.from === n || p.to === n));
    for (const n of common ? [common] : rest.flatMap((p) => [p.from, p.to])) nodes.add(n);
  }
  const parts: string[] = [];
  if (rails.length) parts.push(`data rail${rails.length > 1 ? 's' : ''} ${rails.join(', ')} froze: no probe answered for ${Math.floor(Math.min(...rails.map(railSilence)) / 1000)} s`);
  const silentNodes = [...nodes].filter((n) => !unreachable.includes(n));
  if (silentNodes.length) parts.push(`${silentNodes.join(', ')} stopped answering probes on ${[...new Set(rest.map((p) => p.rail))].map((r) => `rail ${r}`).join(', ')}`);
  if (unreachable.length) parts.push(`${unreachable.join(', ')} stopped answering SSH`);
  return { rails, nodes: [...nodes], unreachable, reason: `${parts.join('; ')}, with no fault explaining it`, details };
}

const DEFAULTS: Required<WatchdogOptions> = { intervalMs: 1000, failAfterMs: 12_000, firstReplyMs: 30_000, unreachableAfterMs: 25_000, graceMs: 10_000, confirmMs: 5000 };

/** The ring: each node probes the next one on every rail both have. */
export function ringPaths(targets: readonly ProbeTarget[]): (ProbePath & { ip: string; netdev: string })[] {
  if (targets.length < 2) return [];
  const out: (ProbePath & { ip: string; netdev: string })[] = [];
  targets.forEach((t, i) => {
    const next = targets[(i + 1) % targets.length]!;
    for (const r of t.rails) {
      const peer = next.rails.find((x) => x.rail === r.rail);
      if (peer) out.push({ from: t.node, to: next.node, rail: r.rail, ip: peer.ip, netdev: r.netdev });
    }
  });
  return out;
}

/**
 * One shell per node, one ping loop per path. A ping that exits (its link went down) is
 * started again; each lives at most 30 s and the loop stops once its output is gone, so
 * nothing outlives the SSH session for long.
 */
export function probeArgv(paths: readonly { ip: string; netdev: string }[], intervalMs: number): string[] {
  const script =
    'P=$(command -v ping || echo /.rc/bin/ping); ' +
    'while [ $# -ge 2 ]; do ( while echo probe "$2"; do "$P" -i "$I" -w 30 -I "$1" "$2"; sleep 1; done ) & shift 2; done; wait';
  const secs = (intervalMs / 1000).toFixed(1);
  return ['env', `I=${secs}`, 'sh', '-c', script, 'rc-probe', ...paths.flatMap((p) => [p.netdev, p.ip])];
}

export class FabricWatchdog {
  readonly options: Required<WatchdogOptions>;
  private readonly paths: PathState[];
  private readonly probes = new Map<string, NodeProbe>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private tripped: Trip | undefined;
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly d: WatchdogDeps,
    o: WatchdogOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...o };
    this.paths = ringPaths(d.targets).map((p) => ({ ...p, replies: 0, longestSilenceMs: 0 }));
    for (const t of d.targets) this.probes.set(t.node, { node: t.node });
  }

  get trip(): Trip | undefined {
    return this.tripped;
  }

  start(): void {
    for (const node of this.probes.keys()) this.loops.push(this.keepProbing(node));
    this.timer = setInterval(() => this.evaluate(), Math.min(1000, this.options.intervalMs));
    this.timer.unref();
  }

  private stoppedAt: number | undefined;

  async stop(): Promise<void> {
    this.stopped = true;
    this.stoppedAt ??= Date.now();
    if (this.timer) clearInterval(this.timer);
    for (const p of this.probes.values()) p.proc?.detach();
    this.naps.wakeAll();
    await Promise.all(this.loops);
  }

  /** per path: replies and the longest silence, for the controller log and the soak bench */
  summary(): { path: ProbePath; replies: number; longestSilenceMs: number }[] {
    // silence after the probes were stopped is not the fabric's
    const now = this.stoppedAt ?? Date.now();
    return this.paths.map((p) => ({
      path: { from: p.from, to: p.to, rail: p.rail },
      replies: p.replies,
      longestSilenceMs: Math.max(p.longestSilenceMs, p.lastReply ? now - p.lastReply : 0),
    }));
  }

  facts(): WatchFacts {
    const nowMs = Date.now();
    for (const p of this.probes.values()) {
      if (this.d.alive && !this.d.alive(p.node)) {
        p.lostSince ??= nowMs;
        p.lostWhy ??= 'its VM is not running';
        p.upSince = undefined;
      }
    }
    const lost: WatchFacts['lost'][number][] = [];
    for (const p of this.probes.values()) if (p.lostSince !== undefined) lost.push({ node: p.node, sinceMs: p.lostSince, ...(p.lostWhy ? { why: p.lostWhy } : {}) });
    const troubled = new Set([...this.probes.keys()].filter((n) => this.d.kernelTrouble(n)));
    return {
      nowMs,
      nowNs: this.d.now(),
      paths: this.paths.map((p) => ({ path: { from: p.from, to: p.to, rail: p.rail }, lastReplyMs: p.lastReply, sourceUpSinceMs: this.probes.get(p.from)?.upSince })),
      lost,
      faults: this.d.faults(),
      effects: this.d.effects,
      troubled,
    };
  }

  /** when judge first found a failure that has held since */
  private suspectSince: number | undefined;

  private evaluate(): void {
    if (this.stopped || this.tripped) return;
    const trip = judge(this.facts(), this.options);
    if (!trip) {
      this.suspectSince = undefined;
      return;
    }
    // wait a little: the other paths of a frozen rail cross the threshold in the next seconds,
    // and a path that answers again was only slow
    this.suspectSince ??= Date.now();
    if (Date.now() - this.suspectSince < this.options.confirmMs) return;
    this.tripped = trip;
    this.d.log(`watchdog: ${trip.reason}: ${trip.details.join('; ')}`);
    this.d.onTrip(trip);
  }

  private onReply(from: string, ip: string): void {
    const p = this.paths.find((x) => x.from === from && x.ip === ip);
    if (!p) return;
    const now = Date.now();
    if (p.lastReply) p.longestSilenceMs = Math.max(p.longestSilenceMs, now - p.lastReply);
    p.lastReply = now;
    p.replies++;
  }

  private async keepProbing(node: string): Promise<void> {
    const st = this.probes.get(node)!;
    const mine = this.paths.filter((p) => p.from === node);
    if (mine.length === 0) return;
    const argv = probeArgv(mine, this.options.intervalMs);
    while (!this.stopped) {
      try {
        st.proc = await this.d.driver.spawn(node, argv);
      } catch (e: unknown) {
        st.upSince = undefined;
        st.lostSince ??= Date.now();
        st.lostWhy = (e as Error).message;
        await this.naps.sleep(2000);
        continue;
      }
      if (this.stopped) {
        st.proc.detach();
        return;
      }
      st.upSince = Date.now();
      st.lostSince = undefined;
      st.lostWhy = undefined;
      let buf = '';
      st.proc.stdout.on('data', (b: Buffer) => {
        buf += b.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const m = /bytes from ([0-9.]+)/.exec(line);
          if (m) this.onReply(node, m[1]!);
        }
      });
      st.proc.stderr.resume();
      const r = await st.proc.exited;
      st.proc = undefined;
      if (this.stopped) return;
      st.upSince = undefined;
      st.lostSince = Date.now();
      st.lostWhy = `probe session ended (${r.signal ?? `exit ${r.code}`})`;
      await this.naps.sleep(1000);
    }
  }

  private readonly naps = new Naps();

}
