// Native histories are JSON Lines, one HistoryEvent per line. Reading validates every line
// against the schema and reports the first problem as `file:line: what`.
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import { inputAt } from '../errors';
import { HistoryEvent } from './schema';
import { eventProblem } from './validate';

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
  checkText(file, data);
  const text = data.toString('utf8');
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A NUL byte or invalid UTF-8 means binary data, not a history. */
function checkText(file: string, data: Buffer): void {
  const nul = data.indexOf(0);
  if (nul >= 0) throw inputAt('history.binary', file, countLines(data, nul), 'binary data (NUL byte), not a text history');
  if (!isUtf8(data)) throw inputAt('history.binary', file, firstBadUtf8Line(data), 'invalid UTF-8, not a text history');
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
  for (let i = 0; i < lines.length; i++) parseLine(file, lines[i]!, i + 1, events, lineNos);
  return { events, lines: lineNos };
}

function parseLine(file: string, text: string, lineNo: number, events: HistoryEvent[], lineNos: number[]): void {
  const e = parseEvent(file, text, lineNo);
  if (!e) return;
  events.push(e);
  lineNos.push(lineNo);
}

function parseEvent(file: string, text: string, lineNo: number): HistoryEvent | undefined {
  const raw = text.trim();
  if (raw === '') return undefined;
  let obj: unknown;
  try {
    obj = JSON.parse(raw);
  } catch (e: unknown) {
    throw inputAt('history.badJson', file, lineNo, `not valid JSON (${(e as Error).message})`);
  }
  const problem = eventProblem(obj);
  if (problem !== null) throw inputAt('history.badEvent', file, lineNo, problem);
  return obj as HistoryEvent;
}

/**
 * Reads a JSONL history straight from its bytes, a line at a time: no string of the whole
 * file and no array of lines, which for a 1M-op history would cost hundreds of MB.
 */
export function readHistoryJsonl(file: string): ParsedHistory {
  const events: HistoryEvent[] = [];
  const lineNos: number[] = [];
  forEachJsonlEvent(file, readBytes(file), (e, line) => {
    events.push(e);
    lineNos.push(line);
  });
  return { events, lines: lineNos };
}

export function readBytes(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e: unknown) {
    throw inputAt('history.unreadable', file, undefined, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String((e as Error).message));
  }
}

/** Calls `each` with every event of a JSONL buffer, validated, with its line number. */
export function forEachJsonlEvent(file: string, data: Buffer, each: (e: HistoryEvent, line: number) => void): void {
  checkText(file, data);
  let start = 0;
  let line = 1;
  while (start < data.length) {
    let end = data.indexOf(10, start);
    if (end < 0) end = data.length;
    if (end > start) {
      const e = parseEvent(file, data.toString('utf8', start, end), line);
      if (e) each(e, line);
    }
    start = end + 1;
    line++;
  }
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
