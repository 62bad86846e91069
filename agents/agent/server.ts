// The agent process: JSON-lines RPC on stdio, the lease, and the one shutdown path (controller
// asked, stdin closed, or lease expired), which always heals the faults before exiting.
import { appendFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { isChaosError } from '../../harness/core';
import { isRdmaError } from '../errors';
import { decodeRequest, type Method } from '../protocol';
import { FaultManager } from './faults';
import type { GuardianLink } from './guardian';
import { handlers, type HandlerContext } from './handlers';
import { Lease } from './lease';
import { onLines } from '../wire';
import { Receiver } from './recv';
import type { SliceRunner } from './slice';
import { NodeState } from './state';

export interface AgentOptions {
  input: Readable;
  output: Writable;
  stateFile: string;
  leaseMs: number;
  guardian?: GuardianLink;
  /** how the process ends; tests pass their own */
  exit?: (code: number) => void;
  /**
   * the agent's own tally of what it reported: one line per ops/recvs event (its time and row
   * count) and one when the controller went away, so a controller crash can be audited:
   * what the history lacks must be what was still on the wire
   */
  tallyFile?: string;
}

export class AgentServer {
  readonly state: NodeState;
  private readonly faults: FaultManager;
  private readonly receiver: Receiver;
  private readonly runners = new Set<SliceRunner>();
  private readonly lease: Lease;
  private closing = false;
  private outputBroken = false;
  /** when the controller last wrote to us */
  private heardNs = process.hrtime.bigint();

  constructor(private readonly o: AgentOptions) {
    this.state = new NodeState((ev) => this.write(ev));
    this.faults = new FaultManager(o.stateFile);
    this.receiver = new Receiver(this.state);
    this.lease = new Lease(o.leaseMs, () => void this.shutdown('lease'), (ttl) => o.guardian?.renew(ttl));
  }

  start(): void {
    this.lease.start();
    onLines(this.o.input, (line) => this.onLine(line));
    this.o.input.on('end', () => void this.shutdown('eof'));
    this.o.input.on('error', () => void this.shutdown('eof'));
    this.o.output.on('error', () => {
      this.outputBroken = true;
      void this.shutdown('eof');
    });
  }

  private write(msg: unknown): void {
    if (this.outputBroken) return;
    this.o.output.write(JSON.stringify(msg) + '\n');
    const ev = (msg as { ev?: unknown; n?: unknown }).ev;
    if (this.o.tallyFile && (ev === 'ops' || ev === 'recvs')) this.tally({ ev, n: (msg as { n: number }).n });
  }

  private tally(line: Record<string, unknown>): void {
    try {
      appendFileSync(this.o.tallyFile!, JSON.stringify({ tNs: process.hrtime.bigint().toString(), ...line }) + '\n');
    } catch {
      /* an audit aid: never a reason to fail the workload */
    }
  }

  private log(level: 'info' | 'warn' | 'error', msg: string): void {
    this.write({ ev: 'log', level, msg, timeNs: process.hrtime.bigint().toString() });
  }

  private onLine(line: string): void {
    if (this.closing) return;
    this.heardNs = process.hrtime.bigint();
    this.lease.renew();
    const decoded = decodeRequest(line);
    if (!decoded.ok) {
      if (decoded.id === undefined) this.log('error', decoded.error.message);
      else this.write({ id: decoded.id, ok: false, error: decoded.error });
      return;
    }
    const req = decoded.request;
    const ctx: HandlerContext = {
      state: this.state,
      faults: this.faults,
      receiver: this.receiver,
      runners: this.runners,
      setLease: (ttl) => this.lease.renew(ttl),
      guardianPid: this.o.guardian?.pid,
      shutdown: (reason) => void this.shutdown(reason),
    };
    const handler = handlers[req.method as Method] as (c: HandlerContext, p: unknown) => unknown;
    Promise.resolve()
      .then(() => handler(ctx, req.params))
      .then(
        (result) => this.write({ id: req.id, ok: true, result }),
        (e: unknown) => this.write({ id: req.id, ok: false, error: errorOf(e) }),
      )
      // a request's own time does not count against the lease: a first hello in a freshly
      // booted, loaded guest (native module and devices opened cold) took longer than the lease
      .then(() => {
        if (!this.closing) this.lease.renew();
      });
  }

  /** The only way out: stop the work, heal, say bye, exit. Idempotent. */
  async shutdown(reason: 'shutdown' | 'lease' | 'eof'): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    // what was reported after the controller was last heard from may not have reached it
    if (this.o.tallyFile) this.tally({ end: reason, heardNs: this.heardNs.toString() });
    this.lease.stop();
    for (const r of this.runners) r.abort();
    const until = Date.now() + 300;
    while (this.runners.size > 0 && Date.now() < until) await new Promise((ok) => setTimeout(ok, 10));
    this.receiver.close();
    let healed = true;
    try {
      await this.faults.heal();
      this.faults.discard();
    } catch (e) {
      healed = false;
      this.log('error', `heal failed: ${errorOf(e).message}`);
    }
    this.write({ ev: 'bye', reason, healed });
    if (healed) this.o.guardian?.bye();
    try {
      if (this.runners.size === 0) this.state.close();
    } catch {
      /* the process ends anyway */
    }
    const exit = this.o.exit ?? ((code: number) => process.exit(code));
    if (this.outputBroken) return exit(0);
    // let the last lines reach the controller, but never wait long for a dead pipe
    const t = setTimeout(() => exit(0), 200);
    this.o.output.write('', () => {
      clearTimeout(t);
      exit(0);
    });
  }
}

function errorOf(e: unknown): { code: string; message: string } {
  if (isChaosError(e) || isRdmaError(e)) return { code: e.code, message: e.message };
  if (e instanceof TypeError) return { code: 'agent.badArgument', message: e.message };
  const err = e instanceof Error ? e : new Error(String(e));
  return { code: 'agent.internal', message: err.stack ?? err.message };
}
