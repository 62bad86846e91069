// AgentClient: the controller's handle on one agent. It ships the agent through a NodeDriver,
// speaks the RPC, keeps the lease renewed, turns the agent's event stream into history events
// (kept here even after the agent is gone) and maps agent clocks into the controller's.
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { ChaosError, ExitCode, InputError } from '../harness/core';
import type { ExecResult, NodeDriver, RemoteProcess } from '../harness/core';
import type { FaultRules, HistoryEvent } from '../harness/core';
import { ClockSync } from './clock';
import { opsToHistory, recvsToHistory, unreportedToHistory, type SliceContext } from './history';
import { encodeOps, type OpDescriptor } from './ops';
import { onLines } from './wire';
import {
  AgentEvent, RESULTS, Response, type InfoResult, type Method, type ParamsOf, type Policy, type ResultOf,
} from './protocol';
import { AGENT_SCRIPT, BINDING_FILE, ensureAgentBundle, type AgentBundle } from './ship';

export interface AgentClientOptions {
  driver: NodeDriver;
  node: string;
  /** first history process id of this agent; give each agent a disjoint range (e.g. i * 1e6) */
  processBase: number;
  /** lease period: without renewal the agent heals and exits within it (default 10 s) */
  leaseMs?: number;
  /** device per rail; default: devices sorted by name */
  rails?: Array<{ rail: number; device: string }>;
  bundle?: AgentBundle;
  /** extra environment for the agent, e.g. { RDMA_BINDING: 'fake' } in unit tests */
  env?: Record<string, string>;
  /** the `node` binary on the node (default: node from PATH) */
  nodeBin?: string;
  requestTimeoutMs?: number;
  /**
   * keep every history event in `history` (default true). Long campaigns stream them to disk
   * from the 'history' event instead and turn this off to bound memory.
   */
  keepHistory?: boolean;
}

export interface SliceRequest {
  slice: string;
  peer: string;
  policy: Policy;
  ops: readonly OpDescriptor[];
  /** outstanding ops (default 64) */
  depth?: number;
  /** ops per second (default 0: unpaced) */
  rate?: number;
  /** an op outstanding this long is timed out (info) and its QP forced to ERR (default 0: never) */
  opTimeoutMs?: number;
  /** path MTU of the connection, for PSN ranges (default 1024) */
  mtu?: number;
  /** empty CQ polls before the agent's batch worker sleeps on the completion channel */
  spin?: number;
}

export interface AgentExit {
  code: number | null;
  signal?: string;
  /** the agent's own account, if it said goodbye */
  bye?: { reason: string; healed: boolean };
  stderr: string;
}

/** history processes for ops a dead agent never reported: offset inside the agent's range */
export const LOST_PROCESS_OFFSET = 900_000;

interface Pending {
  method: Method;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
  t0: bigint;
}

/**
 * Events: 'history' (HistoryEvent[] as they are built), 'event' (every raw AgentEvent),
 * 'exit' (AgentExit).
 */
export class AgentClient extends EventEmitter {
  readonly node: string;
  readonly clock = new ClockSync();
  /** every history event this agent produced, in arrival order; survives the agent */
  readonly history: HistoryEvent[] = [];
  /** every raw event (failover, async, log, bye) except the bulky ops/recvs */
  readonly events: AgentEvent[] = [];
  info: InfoResult | undefined;
  readonly exited: Promise<AgentExit>;
  private proc: RemoteProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly slices = new Map<string, SliceContext>();
  /** slices sent and not yet answered: which ops the agent reported, and when it was sent */
  private readonly inflight = new Map<string, { ctx: SliceContext; reported: Uint8Array; sentNs: number }>();
  /** processes for ops a dead agent never reported, far above the agent's own allocations */
  private lostProcess = 0;
  private opBase = 0;
  /** regions this agent registered, with their per-rail addr/rkey (what peers connect to) */
  readonly regions = new Map<string, ResultOf<'registerMemory'>>();
  /** path MTU used toward each peer (connectPeers sets it) */
  readonly peerMtu = new Map<string, number>();
  private renewTimer: NodeJS.Timeout | undefined;
  private stderr = '';
  private bye: AgentExit['bye'];
  private gone: Error | undefined;
  private resolveExit!: (e: AgentExit) => void;
  private readonly leaseMs: number;

  private constructor(private readonly o: AgentClientOptions) {
    super();
    this.node = o.node;
    this.leaseMs = o.leaseMs ?? 10000;
    this.exited = new Promise((r) => (this.resolveExit = r));
  }

  /** Upload the agent, start it, say hello, sync clocks and start renewing the lease. */
  static async start(o: AgentClientOptions): Promise<AgentClient> {
    const c = new AgentClient(o);
    try {
      await c.launch();
    } catch (e) {
      c.detach();
      throw e;
    }
    return c;
  }

  private async launch(): Promise<void> {
    const { driver, node } = this.o;
    const bundle = this.o.bundle ?? ensureAgentBundle();
    const dir = `/tmp/rdma-chaos-agent-${bundle.hash}`;
    const script = path.posix.join(dir, AGENT_SCRIPT);
    const binding = path.posix.join(dir, BINDING_FILE);
    // both files, checked together: an upload cut short must not leave a half install behind
    const have = await driver.exec(node, bundle.binding ? ['test', '-f', script, '-a', '-f', binding] : ['test', '-f', script], { idempotent: true });
    if (have.code !== 0) {
      await must(driver, node, ['mkdir', '-p', dir]);
      if (bundle.binding) await driver.upload(node, bundle.binding, binding, 0o755);
      await driver.upload(node, bundle.script, script, 0o644);
    }
    // a controller under audit (the kill-loop test) has its agents keep a tally of what they sent
    const audit = process.env.RDMA_CHAOS_AGENT_TALLY === '1' ? { RDMA_CHAOS_AGENT_TALLY: '1' } : {};
    const env = Object.entries({ UV_THREADPOOL_SIZE: '8', ...audit, ...this.o.env }).map(([k, v]) => `${k}=${v}`);
    this.proc = await driver.spawn(node, ['env', ...env, this.o.nodeBin ?? 'node', script, '--lease-ms', String(this.leaseMs)]);
    this.attach(this.proc);
    // starting node in a loaded TCG guest can take tens of seconds: hello gets a long timeout
    this.info = await this.call('hello', { node, processBase: this.o.processBase, leaseMs: this.leaseMs, ...(this.o.rails ? { rails: this.o.rails } : {}) }, Math.max(120_000, this.o.requestTimeoutMs ?? 0));
    for (let i = 0; i < 5; i++) await this.call('time', {});
    const every = Math.max(50, Math.floor(this.leaseMs / 5));
    this.renewTimer = setInterval(() => {
      this.call('lease', { ttlMs: this.leaseMs }).catch(() => undefined);
    }, every);
    this.renewTimer.unref();
  }

  private attach(p: RemoteProcess): void {
    onLines(p.stdout, (line) => this.onLine(line));
    p.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-65536);
    });
    p.stdin.on('error', () => undefined);
    p.exited.then(
      (r: ExecResult) => this.onExit(r.code, r.signal),
      () => this.onExit(null),
    );
  }

  private onLine(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.stderr += `[unparsable stdout] ${line.slice(0, 200)}\n`;
      return;
    }
    if (msg && typeof msg === 'object' && 'ev' in msg) {
      const ev = AgentEvent.safeParse(msg);
      if (!ev.success) {
        this.stderr += `[bad event] ${line.slice(0, 200)}\n`;
        return;
      }
      this.onEvent(ev.data);
      return;
    }
    const r = Response.safeParse(msg);
    if (!r.success) {
      this.stderr += `[bad response] ${line.slice(0, 200)}\n`;
      return;
    }
    const p = this.pending.get(r.data.id);
    if (!p) return;
    this.pending.delete(r.data.id);
    if (p.timer) clearTimeout(p.timer);
    if (!r.data.ok) {
      p.reject(new ChaosError(r.data.error.code, `${this.node}: ${p.method}: ${r.data.error.message}`, ExitCode.badInput));
      return;
    }
    const parsed = RESULTS[p.method].safeParse(r.data.result);
    if (!parsed.success) {
      p.reject(new ChaosError('agent.badResult', `${this.node}: ${p.method}: malformed result: ${parsed.error.issues[0]?.message}`, ExitCode.internal));
      return;
    }
    const t1 = process.hrtime.bigint();
    const res = parsed.data as { monotonicNs?: string };
    if ((p.method === 'time' || p.method === 'lease' || p.method === 'hello') && res.monotonicNs) this.clock.sample(p.t0, t1, BigInt(res.monotonicNs));
    p.resolve(parsed.data);
  }

  private onEvent(ev: AgentEvent): void {
    let built: HistoryEvent[] | undefined;
    if (ev.ev === 'ops') {
      const ctx = this.slices.get(ev.slice);
      if (!ctx) return;
      built = opsToHistory(ev, ctx, this.clock);
      const fl = this.inflight.get(ev.slice);
      if (fl) for (const e of built) if (e.type !== 'invoke' && typeof e.rdma?.wrId === 'number') fl.reported[e.rdma.wrId - ctx.opBase] = 1;
    } else if (ev.ev === 'recvs') {
      built = recvsToHistory(ev, this.node, this.clock);
    } else {
      this.events.push(ev);
      if (ev.ev === 'bye') this.bye = { reason: ev.reason, healed: ev.healed };
    }
    if (built) {
      if (this.o.keepHistory !== false) for (const e of built) this.history.push(e);
      this.emit('history', built);
    }
    this.emit('event', ev);
  }

  private onExit(code: number | null, signal?: string): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.recordUnreported(`agent lost (${signal ?? `exit ${code}`})`);
    this.gone = new ChaosError('agent.gone', `${this.node}: the agent exited (${signal ?? `code ${code}`}${this.bye ? `, said bye: ${this.bye.reason}` : ''})${this.stderr ? `: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`, ExitCode.unknown);
    for (const [id, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(this.gone);
      this.pending.delete(id);
    }
    const exit: AgentExit = { code, ...(signal ? { signal } : {}), ...(this.bye ? { bye: this.bye } : {}), stderr: this.stderr };
    this.resolveExit(exit);
    this.emit('exit', exit);
  }

  /** Ops in flight when the agent went away: recorded as indeterminate (invoke + info). */
  private recordUnreported(error: string): void {
    const lostNs = Number(process.hrtime.bigint());
    const built: HistoryEvent[] = [];
    for (const fl of this.inflight.values()) {
      built.push(...unreportedToHistory(fl.ctx, fl.reported, fl.sentNs, lostNs, () => this.o.processBase + LOST_PROCESS_OFFSET + this.lostProcess++, error));
    }
    this.inflight.clear();
    if (built.length === 0) return;
    if (this.o.keepHistory !== false) for (const e of built) this.history.push(e);
    this.emit('history', built);
  }

  /** One RPC. Rejects with the agent's error code, or agent.gone / agent.timeout. */
  call<M extends Method>(method: M, params: ParamsOf<M>, timeoutMs = method === 'runSlice' ? 0 : this.o.requestTimeoutMs ?? 30000): Promise<ResultOf<M>> {
    if (this.gone) return Promise.reject(this.gone);
    if (!this.proc) return Promise.reject(new ChaosError('agent.notStarted', `${this.node}: agent not started`, ExitCode.internal));
    const id = this.nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const p: Pending = { method, resolve: resolve as (v: unknown) => void, reject, t0: process.hrtime.bigint() };
      if (timeoutMs > 0) {
        p.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new ChaosError('agent.timeout', `${this.node}: ${method} got no answer within ${timeoutMs} ms`, ExitCode.unknown));
        }, timeoutMs);
      }
      this.pending.set(id, p);
      this.proc!.stdin.write(JSON.stringify({ id, method, params }) + '\n');
    });
  }

  async registerMemory(region: string, size: number): Promise<ResultOf<'registerMemory'>> {
    const r = await this.call('registerMemory', { region, size });
    this.regions.set(region, r);
    return r;
  }

  /**
   * Run ops toward `peer`; resolves when every op has its final record. History events arrive
   * on 'history' (and in `history`) as the agent streams them.
   */
  async runSlice(r: SliceRequest): Promise<ResultOf<'runSlice'>> {
    if (this.slices.has(r.slice)) throw new InputError('agent.sliceExists', `${this.node}: slice ${r.slice} was already run`);
    const cols = encodeOps(r.ops);
    const ctx: SliceContext = { node: this.node, peer: r.peer, ops: r.ops, opBase: this.opBase, mtu: r.mtu ?? this.peerMtu.get(r.peer) ?? 1024 };
    this.slices.set(r.slice, ctx);
    this.opBase += r.ops.length;
    if (!this.gone) this.inflight.set(r.slice, { ctx, reported: new Uint8Array(r.ops.length), sentNs: Number(process.hrtime.bigint()) });
    try {
      return await this.call('runSlice', { slice: r.slice, peer: r.peer, policy: r.policy, ops: cols, depth: r.depth ?? 64, rate: r.rate ?? 0, opTimeoutMs: r.opTimeoutMs ?? 0, ...(r.spin !== undefined ? { spin: r.spin } : {}) });
    } finally {
      // answered (every op has its record) or refused: nothing left to account for here;
      // on agent.gone the exit handler has already recorded what was missing
      this.inflight.delete(r.slice);
    }
  }

  async readMemory(region: string, offset: number, length: number): Promise<Buffer> {
    const r = await this.call('readMemory', { region, offset, length });
    return Buffer.from(r.base64, 'base64');
  }

  async readU64(region: string, offset: number): Promise<bigint> {
    return (await this.readMemory(region, offset, 8)).readBigUInt64LE(0);
  }

  counters(devices?: string[]): Promise<ResultOf<'counters'>> {
    return this.call('counters', devices ? { devices } : {});
  }

  /** Install exactly this fault set (the agent re-applies it whole). */
  setFaults(faults: FaultRules[]): Promise<ResultOf<'setFaults'>> {
    return this.call('setFaults', { faults });
  }

  heal(): Promise<ResultOf<'setFaults'>> {
    return this.setFaults([]);
  }

  qpState(conn: string): Promise<ResultOf<'qpState'>> {
    return this.call('qpState', { conn });
  }

  forceQpError(conn: string): Promise<ResultOf<'forceQpError'>> {
    return this.call('forceQpError', { conn });
  }

  /** Graceful stop: the agent heals its faults, says bye and exits. */
  async shutdown(timeoutMs = 5000): Promise<AgentExit> {
    if (!this.gone) await this.call('shutdown', {}, timeoutMs).catch(() => undefined);
    const t = setTimeout(() => this.detach(), timeoutMs);
    const r = await this.exited;
    clearTimeout(t);
    return r;
  }

  /** Drop the transport without a word: the agent sees EOF (its lease then ends it). */
  detach(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.proc?.detach();
  }

  /** Stop renewing the lease but keep the transport (tests: a controller that hangs). */
  stopRenewing(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
  }

  /** the agent's pid on its node */
  get pid(): number | undefined {
    return this.info?.pid;
  }
}

/** only for commands that may run twice (a dropped connection re-runs them) */
async function must(driver: NodeDriver, node: string, argv: string[]): Promise<void> {
  const r = await driver.exec(node, argv, { idempotent: true });
  if (r.code !== 0) throw new ChaosError('agent.installFailed', `${node}: ${argv.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`, ExitCode.badInput);
}
