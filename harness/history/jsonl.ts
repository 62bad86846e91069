// Native histories are JSON Lines, one HistoryEvent per line. Reading validates every line
// against the schema and reports the first problem as `file:line: what`.
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import { inputAt } from '../errors';
import { HistoryEvent } from './schema';

export interface ParsedHistory {
  events: HistoryEvent[];
  /** 1-based source line of each event, for messages */
  lines: number[];
}

/** Lines of a text file, refusing binary data: a NUL byte or invalid UTF-8 is not a history. */
export function readTextLines(file: string, buf?: Buffer): string[] {
  let data: Buffer;
  try {
    data = buf ?? fs.readFileSync(file);
  } catch (e: unknown) {
    throw inputAt('history.unreadable', file, undefined, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String((e as Error).message));
  }
  const nul = data.indexOf(0);
  if (nul >= 0) {
    const line = countLines(data, nul);
    throw inputAt('history.binary', file, line, 'binary data (NUL byte), not a text history');
  }
  if (!isUtf8(data)) {
    throw inputAt('history.binary', file, firstBadUtf8Line(data), 'invalid UTF-8, not a text history');
  }
  const text = data.toString('utf8');
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function firstBadUtf8Line(data: Buffer): number {
  let line = 1;
  let start = 0;
  for (;;) {
    const nl = data.indexOf(10, start);
    const end = nl < 0 ? data.length : nl;
    if (!isUtf8(data.subarray(start, end))) return line;
    if (nl < 0) return line;
    start = nl + 1;
    line++;
  }
}

function countLines(data: Buffer, upTo: number): number {
  let n = 1;
  for (let i = data.indexOf(10); i >= 0 && i < upTo; i = data.indexOf(10, i + 1)) n++;
  return n;
}

export function parseJsonl(file: string, lines: string[]): ParsedHistory {
  const events: HistoryEvent[] = [];
  const lineNos: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (e: unknown) {
      throw inputAt('history.badJson', file, i + 1, `not valid JSON (${(e as Error).message})`);
    }
    const r = HistoryEvent.safeParse(obj);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const path = issue.path.length > 0 ? `field "${issue.path.join('.')}": ` : '';
      throw inputAt('history.badEvent', file, i + 1, `${path}${issue.message}`);
    }
    events.push(r.data);
    lineNos.push(i + 1);
  }
  return { events, lines: lineNos };
}

export function readHistoryJsonl(file: string): ParsedHistory {
  return parseJsonl(file, readTextLines(file));
}

/**
 * Appends events as they arrive and flushes each write to the OS, so a crash of the controller
 * loses nothing already recorded. Each event is validated before it is written.
 */
export class HistoryWriter {
  private fd: number;
  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a');
  }
  append(events: HistoryEvent | HistoryEvent[]): void {
    const list = Array.isArray(events) ? events : [events];
    if (list.length === 0) return;
    let out = '';
    for (const e of list) out += JSON.stringify(HistoryEvent.parse(e)) + '\n';
    fs.writeSync(this.fd, out);
  }
  sync(): void {
    fs.fsyncSync(this.fd);
  }
  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

export function formatJsonl(events: HistoryEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : '');
}
