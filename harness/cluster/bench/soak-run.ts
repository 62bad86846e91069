// One backend's soak for bench:soak (soak.ts): its 2-node cluster, the perftest load, the ping
// probe, freezes and their repair.
import * as fs from 'node:fs';
import type { RemoteProcess } from '../../core';
import { clusterDown, clusterUp, type LocalDriver } from '../local';
import type { AccelMode } from '../local/accel';
import { QEMU_PROGRAMS } from '../local/down';
import { bridgeNetns } from '../local/fabric/bridge';
import { scanOwned } from '../local/procs';
import { ownMarker } from '../local/state';
import { parsePingSeq, parseRateLine, type BackendSoak, type Freeze } from './soak-stats';

export interface SoakOptions {
  minutes: number;
  backends: string[];
  sequential: boolean;
  freezeAfterS: number;
  healWaitS: number;
  intervalS: number;
  repair: boolean;
  json: boolean;
  jsonOut?: string;
  accel: AccelMode;
  portBase: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const SERVER = 'node1';
const CLIENT = 'node2';
const SERVER_IP = '10.77.0.1';
const PEER_IP = '10.77.0.2';
const PING = '/.rc/bin/ping';
const PROBE_START_GRACE_MS = 20_000; // busybox in the initramfs: the host has no iputils for the guests

export function log(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

/** One backend's soak: boot, load, probe, judge, repair, tear down. */
export class BackendRun {
  readonly stateDir: string;
  readonly result: BackendSoak;
  private driver?: LocalDriver;
  private t0 = 0;
  private lastReply = 0;
  private busy = false; // confirming or repairing: the load and probe are not restarted meanwhile
  private stopping = false;
  private load: RemoteProcess[] = [];
  private probe?: RemoteProcess;
  // bumped whenever the load (or the probe) is restarted: late events of old ones are ignored
  private loadGen = 0;
  private probeGen = 0;

  constructor(
    readonly backend: string,
    private readonly index: number,
    private readonly o: SoakOptions,
  ) {
    this.stateDir = `/run/rdma-chaos/soak-${backend}`;
    this.result = { backend, minutesRun: 0, samples: [], freezes: [], longestGapS: 0 };
  }

  private say(l: string): void {
    log(`${this.backend}: ${l}`);
  }

  async boot(signal: AbortSignal): Promise<boolean> {
    try {
      await clusterDown(this.stateDir); // a previous soak killed hard
      const up = await clusterUp({
        nodes: 2,
        rails: 1,
        fabric: this.backend,
        accel: this.o.accel,
        stateDir: this.stateDir,
        sshPortBase: this.o.portBase + 10 * this.index,
        bootTimeoutMs: 600_000,
        signal,
        log: (l) => this.say(l),
      });
      this.driver = up.driver;
      this.result.bootSeconds = (up.timings.usableAt - up.timings.commandAt) / 1000;
      this.say(`up in ${this.result.bootSeconds.toFixed(1)} s`);
      return true;
    } catch (e: unknown) {
      this.result.error = `boot: ${(e as Error).message}`;
      this.say(this.result.error);
      await clusterDown(this.stateDir).catch(() => undefined);
      return false;
    }
  }

  /** Load and probe from t0 until `endAt` (epoch ms) or until stopped. */
  async run(t0: number, endAt: number, stop: AbortSignal): Promise<void> {
    if (!this.driver) return;
    this.t0 = t0;
    const onStop = (): void => {
      this.stopping = true;
    };
    stop.addEventListener('abort', onStop, { once: true });
    try {
      await this.startTraffic();
      let nextStatus = Date.now() + 5 * 60_000;
      while (!this.stopping && Date.now() < endAt) {
        await sleep(1000);
        if (this.stopping || Date.now() >= endAt) break;
        const silence = Date.now() - this.lastReply;
        if (silence > this.o.freezeAfterS * 1000) {
          await this.onSilence(silence, endAt);
        }
        if (Date.now() >= nextStatus) {
          nextStatus += 5 * 60_000;
          const recent = this.result.samples.filter((s) => s.atMs > Date.now() - this.t0 - 60_000);
          const ops = recent.length ? recent.reduce((t, s) => t + s.opsPerSec, 0) / recent.length : 0;
          this.say(`${((Date.now() - t0) / 60_000).toFixed(0)} min: ${ops.toFixed(0)} ops/s in the last minute, ${this.result.freezes.length} freeze(s)`);
        }
      }
    } catch (e: unknown) {
      this.result.error = `${(e as Error).message}`;
      this.say(`soak ended early: ${this.result.error}`);
    } finally {
      stop.removeEventListener('abort', onStop);
      this.result.minutesRun = Math.max(0, (Math.min(Date.now(), endAt) - t0) / 60_000);
      // a full soak is exactly the asked minutes: the last second of the loop is not extra time
      if (!this.stopping && !this.result.error) this.result.minutesRun = Math.round(this.result.minutesRun * 10) / 10;
    }
  }

  /** The probe stream has been silent too long: a stalled SSH stream, or a frozen rail. */
  private async onSilence(silence: number, endAt: number): Promise<void> {
    this.busy = true;
    try {
      const first = await this.checkRail();
      if (first === 'ok') {
        // the rail answers: the probe's output (or the probe) stalled, not the fabric
        this.say(`probe silent ${(silence / 1000).toFixed(0)} s but the rail answers a fresh ping: not a freeze`);
        await this.startProbe();
        return;
      }
      const f: Freeze = { sinceMs: this.lastReply - this.t0, selfHealed: false, repair: 'none', kind: first };
      this.result.freezes.push(f);
      this.say(`FREEZE ${this.result.freezes.length} (${first === 'rail' ? 'rail silent, SSH answers' : 'node unreachable'}) since ${(f.sinceMs / 60_000).toFixed(1)} min`);
      const healBy = Date.now() + this.o.healWaitS * 1000;
      while (Date.now() < healBy && Date.now() < endAt && !this.stopping) {
        await sleep(5000);
        if ((await this.checkRail()) === 'ok') {
          f.selfHealed = true;
          f.endMs = Date.now() - this.t0;
          this.say(`rail answers again by itself after ${((f.endMs - f.sinceMs) / 1000).toFixed(0)} s`);
          break;
        }
      }
      if (!f.selfHealed && this.o.repair && Date.now() < endAt && !this.stopping) {
        f.repair = await this.repair(first);
        if ((await this.checkRail()) === 'ok') f.endMs = Date.now() - this.t0;
        this.say(`repair: ${f.repair}; rail ${f.endMs !== undefined ? 'answers again' : 'STILL SILENT'}`);
      }
      if (f.endMs === undefined && (!this.o.repair || f.repair !== 'none')) {
        if (!this.o.repair) this.say('no repair (--no-repair): the rail stays frozen for the rest of the soak');
        // nothing more to learn from this backend: frozen until the end
        this.stopping = true;
        return;
      }
      await this.startTraffic();
    } finally {
      this.busy = false;
    }
  }

  /** ok: a fresh ping over the rail answers; rail: SSH answers but the rail does not; node: no SSH. */
  private async checkRail(): Promise<'ok' | 'rail' | 'node'> {
    try {
      const r = await this.driver!.exec(SERVER, [PING, '-c', '3', '-W', '3', '-I', 'data0', PEER_IP], { timeoutMs: 30_000 });
      if (r.code === 0) return 'ok';
      return r.code === null ? 'node' : 'rail';
    } catch {
      return 'node';
    }
  }

  private async repair(kind: 'rail' | 'node'): Promise<string> {
    const d = this.driver!;
    const both = [SERVER, CLIENT];
    const o = { log: (l: string) => this.say(`repair: ${l}`), timeoutMs: 600_000 };
    await this.stopTraffic();
    try {
      if (kind === 'node') {
        await d.restartNodes(both, o);
        return 'restarted node1 node2';
      }
      const r = await d.recreateFabric(0, o);
      let what = r.nodesRestarted ? 're-created rail 0 (nodes restarted with it)' : 're-created rail 0 in place';
      if (!r.nodesRestarted && (await this.checkRail()) !== 'ok') {
        // the guest's NIC queue itself may be stuck: only a new VM clears it
        await d.restartNodes(both, o);
        what += ', then restarted node1 node2';
      }
      return what;
    } catch (e: unknown) {
      return `repair failed: ${(e as Error).message}`;
    }
  }

  private async kill(node: string, what: string): Promise<void> {
    // by the PID the wrapper shell recorded (never by name): the guest may run other things
    await this.driver!
      .exec(node, ['sh', '-c', `f=/tmp/soak-${what}.pid; [ -f $f ] && kill $(cat $f) 2>/dev/null; rm -f $f; true`], { timeoutMs: 30_000 })
      .catch(() => undefined);
  }

  private async stopTraffic(): Promise<void> {
    this.loadGen++;
    this.probeGen++;
    for (const p of [...this.load, ...(this.probe ? [this.probe] : [])]) p.detach();
    this.load = [];
    this.probe = undefined;
    await Promise.all([this.kill(SERVER, 'srv'), this.kill(CLIENT, 'cli'), this.kill(SERVER, 'ping')]);
  }

  private async startTraffic(): Promise<void> {
    await this.stopTraffic();
    await this.startProbe();
    await this.startLoad();
  }

  private async startProbe(): Promise<void> {
    const d = this.driver!;
    const gen = ++this.probeGen;
    this.probe?.detach();
    await this.kill(SERVER, 'ping');
    // the probe's window starts with its first line (the PING banner): an SSH channel and a
    // process start take seconds in a loaded TCG guest
    this.lastReply = Date.now() + PROBE_START_GRACE_MS;
    const p = await d.spawn(SERVER, ['sh', '-c', `echo $$ > /tmp/soak-ping.pid; exec ${PING} -i 1 -I data0 ${PEER_IP}`]);
    this.probe = p;
    let buf = '';
    let prevReply: number | undefined;
    p.stdout.on('data', (b: Buffer) => {
      if (gen !== this.probeGen) return;
      buf += b.toString('utf8');
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        const now = Date.now();
        if (parsePingSeq(l) !== undefined) {
          // a gap that ended in a reply, below the freeze threshold: how close it came
          if (prevReply !== undefined && !this.busy) this.result.longestGapS = Math.max(this.result.longestGapS, (now - prevReply) / 1000);
          prevReply = now;
          this.lastReply = now;
        } else if (l.startsWith('PING ')) {
          this.lastReply = now;
        }
      }
    });
    p.exited.catch(() => undefined);
  }

  private async startLoad(): Promise<void> {
    const d = this.driver!;
    const gen = this.loadGen;
    const perftest = (extra: string[]): string =>
      ['stdbuf', '-oL', 'ib_atomic_bw', '-d', 'rxe0', '-x', '1', '-A', 'FETCH_AND_ADD', '-D', String(this.o.intervalS), '--run_infinitely', ...extra].join(' ');
    const srv = await d.spawn(SERVER, ['sh', '-c', `echo $$ > /tmp/soak-srv.pid; exec ${perftest([])}`]);
    srv.exited.catch(() => undefined);
    // the client's TCP handshake must find the server listening (it prints a banner then)
    await new Promise<void>((resolve) => {
      let out = '';
      const t = setTimeout(resolve, 30_000);
      srv.stdout.on('data', (b: Buffer) => {
        out += b.toString('utf8');
        if (/Waiting for client/.test(out)) {
          clearTimeout(t);
          setTimeout(resolve, 500);
        }
      });
    });
    const cli = await d.spawn(CLIENT, ['sh', '-c', `echo $$ > /tmp/soak-cli.pid; exec ${perftest([SERVER_IP])}`]);
    this.load = [srv, cli];
    let buf = '';
    let lastLines: string[] = [];
    let errText = '';
    cli.stderr.on('data', (b: Buffer) => (errText = (errText + b.toString('utf8')).slice(-400)));
    cli.stdout.on('data', (b: Buffer) => {
      if (gen !== this.loadGen) return;
      buf += b.toString('utf8');
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      lastLines = [...lastLines, ...lines.filter((l) => l.trim())].slice(-2);
      for (const l of lines) {
        const ops = parseRateLine(l);
        if (ops !== undefined) this.result.samples.push({ atMs: Date.now() - this.t0, opsPerSec: ops });
      }
    });
    // perftest gave up (e.g. the handshake raced the server): start it again, unless a freeze
    // check or repair owns the traffic right now
    const restart = (why: string): void => {
      if (gen !== this.loadGen || this.stopping) return;
      this.say(`load ended (${why}); restarting it`);
      (this.result.loadRestarts ??= []).push({ atMs: Date.now() - this.t0, why });
      void (async () => {
        await sleep(5000);
        while (this.busy && !this.stopping) await sleep(1000);
        if (gen !== this.loadGen || this.stopping) return;
        const g = ++this.loadGen;
        for (const p of this.load) p.detach();
        await Promise.all([this.kill(SERVER, 'srv'), this.kill(CLIENT, 'cli')]);
        if (g === this.loadGen && !this.stopping) await this.startLoad().catch((e: unknown) => this.say(`load restart failed: ${(e as Error).message}`));
      })();
    };
    cli.exited.then(
      (r) => restart(`perftest client exit ${r.code}: ${[...(r.stderr || errText).trim().split('\n').slice(-2), ...lastLines].filter(Boolean).join(' / ')}`),
      (e: unknown) => restart(String(e)),
    );
  }

  async teardown(): Promise<string[]> {
    if (this.driver) {
      this.stopping = true;
      await this.stopTraffic().catch(() => undefined);
      await this.driver.close().catch(() => undefined);
    }
    await clusterDown(this.stateDir);
    // the figures count only if the testbed is gone afterwards
    const left = scanOwned(ownMarker(this.stateDir), QEMU_PROGRAMS).map((p) => `${p.role} pid ${p.pid}`);
    if (fs.existsSync(`/run/netns/${bridgeNetns(this.stateDir)}`)) left.push(`netns ${bridgeNetns(this.stateDir)}`);
    fs.rmSync(this.stateDir, { recursive: true, force: true });
    return left;
  }
}

