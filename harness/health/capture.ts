// Console and kernel log capture for a whole run, into <run>/consoles/<node>.log. The local
// driver's nodes write their serial console to a file that qemu appends to across reboots:
// tail it from where it stood when the run began. Remote nodes (ssh, docker) have no console
// we can reach: stream `dmesg --follow` through the driver, and start it again when the node
// comes back from a reboot. Each line is handed on with the time it was read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NodeDriver, RemoteProcess } from '../core';
import type { ConsoleLine } from './detectors';
import { kernelTime } from './detectors';
import { Naps } from './naps';

export interface CaptureOptions {
  driver: NodeDriver;
  /** the run's consoles/ directory */
  dir: string;
  nodes: readonly string[];
  /** history clock, ns */
  now(): number;
  log(line: string): void;
  /** every complete line, as it is read */
  onLine?(node: string, line: ConsoleLine): void;
  /** local console poll period; default 250 ms */
  pollMs?: number;
}

/** lines kept per node for the detectors (a console spamming for hours is cut, oldest first) */
const MAX_LINES = 200_000;

interface LocalConsoles {
  consoleLog(node: string): string;
}

function hasConsoles(d: NodeDriver): d is NodeDriver & LocalConsoles {
  return d.kind === 'local' && typeof (d as Partial<LocalConsoles>).consoleLog === 'function';
}

/** Splits a byte stream into lines, stamps them, and appends the raw bytes to the node's file. */
class NodeLog {
  readonly lines: ConsoleLine[] = [];
  private partial = '';
  private readonly fd: number;
  /** kernel lines stamped before this (s since boot) were in the buffer before the run */
  skipBefore?: number;

  constructor(
    readonly node: string,
    file: string,
    private readonly o: CaptureOptions,
  ) {
    this.fd = fs.openSync(file, 'a');
  }

  push(chunk: Buffer | string): void {
    const text = this.partial + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const raw of parts) this.line(raw.replace(/\r$/, ''));
  }

  /** the end of a stream: a last unterminated line counts */
  flush(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  private line(text: string): void {
    if (this.skipBefore !== undefined) {
      const kt = kernelTime(text);
      if (kt !== undefined && kt < this.skipBefore) return;
    }
    fs.writeSync(this.fd, text + '\n');
    const l: ConsoleLine = { text, time: this.o.now(), wall: new Date().toISOString() };
    this.lines.push(l);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    this.o.onLine?.(this.node, l);
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

export class ConsoleCapture {
  private readonly logs = new Map<string, NodeLog>();
  private stopped = false;
  private readonly tasks: Promise<void>[] = [];
  private readonly procs = new Map<string, RemoteProcess>();
  private timer: NodeJS.Timeout | undefined;
  private readonly naps = new Naps();

  constructor(private readonly o: CaptureOptions) {}

  /** how this run reads kernel logs: 'console' (local) or 'dmesg' */
  get source(): 'console' | 'dmesg' {
    return hasConsoles(this.o.driver) ? 'console' : 'dmesg';
  }

  start(): void {
    fs.mkdirSync(this.o.dir, { recursive: true });
    for (const node of this.o.nodes) {
      const file = path.join(this.o.dir, `${node.replace(/[^A-Za-z0-9_.-]/g, '_')}.log`);
      this.logs.set(node, new NodeLog(node, file, this.o));
    }
    const d = this.o.driver;
    if (hasConsoles(d)) this.tailConsoles(d);
    else for (const node of this.o.nodes) this.tasks.push(this.followDmesg(node));
  }

  /** every line read so far from a node */
  lines(node: string): readonly ConsoleLine[] {
    return this.logs.get(node)?.lines ?? [];
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.readConsoles(); // what the consoles got up to now
    for (const p of this.procs.values()) p.detach();
    this.naps.wakeAll();
    await Promise.all(this.tasks);
    for (const l of this.logs.values()) l.close();
  }

  // -- local: the console files -------------------------------------------------------------

  private offsets = new Map<string, number>();
  private consoleFile = new Map<string, string>();

  private tailConsoles(d: NodeDriver & LocalConsoles): void {
    for (const node of this.o.nodes) {
      const file = d.consoleLog(node);
      this.consoleFile.set(node, file);
      this.offsets.set(node, sizeOf(file));
    }
    this.timer = setInterval(() => this.readConsoles(), this.o.pollMs ?? 250);
    this.timer.unref();
  }

  private readConsoles(): void {
    for (const [node, file] of this.consoleFile) {
      const from = this.offsets.get(node) ?? 0;
      const size = sizeOf(file);
      if (size < from) this.offsets.set(node, 0); // recreated (cluster re-booted): start over
      if (size <= from) continue;
      const buf = Buffer.alloc(size - from);
      const fd = fs.openSync(file, 'r');
      try {
        fs.readSync(fd, buf, 0, buf.length, from);
      } finally {
        fs.closeSync(fd);
      }
      this.offsets.set(node, size);
      this.logs.get(node)!.push(buf);
    }
  }

  // -- remote: dmesg --follow ---------------------------------------------------------------

  private async followDmesg(node: string): Promise<void> {
    const log = this.logs.get(node)!;
    let worked = false;
    while (!this.stopped) {
      let p: RemoteProcess | undefined;
      try {
        // the uptime first: lines stamped earlier were in the ring buffer before the run
        // dmesg --follow never reads stdin, and sshd answers our channel close only once the
        // command has exited: the shell waits for stdin's EOF (detach) and then ends dmesg
        p = await this.o.driver.spawn(node, ['sh', '-c', FOLLOW_DMESG]);
      } catch (e: unknown) {
        if (!worked) {
          this.o.log(`${node}: no kernel log capture: ${(e as Error).message}`);
          return;
        }
        await this.naps.sleep(2000); // rebooting: try again
        continue;
      }
      this.procs.set(node, p);
      let first = true;
      let got = false;
      let err = '';
      p.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-500)));
      p.stdout.on('data', (b: Buffer) => {
        let s = b.toString('utf8');
        if (first) {
          const nl = s.indexOf('\n');
          if (nl < 0) return; // the uptime line comes whole in practice
          const up = Number(s.slice(0, nl).split(/\s+/)[0]);
          log.skipBefore = this.stopped ? undefined : up - 1;
          first = false;
          s = s.slice(nl + 1);
        }
        got = true;
        worked = true;
        if (s) log.push(s);
      });
      const r = await p.exited;
      this.procs.delete(node);
      log.flush();
      if (this.stopped) return;
      if (!got && r.code !== null && r.code !== 0) {
        // dmesg itself refused (no CAP_SYSLOG in a container, dmesg_restrict): say so once
        this.o.log(`${node}: no kernel log capture: dmesg exited ${r.code}: ${err.trim().split('\n').pop() ?? ''}`);
        return;
      }
      await this.naps.sleep(2000);
    }
  }

}

// stdin is kept on fd 3 for a watcher that ends dmesg at EOF; the shell itself waits for
// dmesg, so dmesg's own failure (no CAP_SYSLOG in a container) still ends it with its status
export const FOLLOW_DMESG =
  'exec 3<&0; cat /proc/uptime || exit 1; dmesg --follow 3<&- & d=$!; ' +
  '(cat <&3 >/dev/null 2>&1; kill $d 2>/dev/null) >/dev/null 2>&1 & exec 3<&-; wait $d';

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
