// Native histories are JSON Lines, one HistoryEvent per line. Reading validates every line
// against the schema and reports the first problem as `file:line: what`; the one exception is a
// torn last line (no newline, does not parse), which a killed writer leaves: dropped, with a warning. Most lines take the
// fast path of fast-event.ts; any line it does not know goes through JSON.parse and the
// validator compiled from the zod schema, which alone word what is wrong. A gzipped history
// (retention's history.jsonl.gz) reads the same, inflated as it is read (gzip.ts).
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import { InputError, inputAt } from '../errors';
import { openBytes, readBytes, type ByteSource } from './gzip';
import { fastPathEnabled, parseEventFast, ScratchEvent } from './fast-event';
import { HistoryEvent } from './schema';
import { eventProblem } from './validate';

export interface ParsedHistory {
  events: HistoryEvent[];
  /** 1-based source line of each event, for messages */
  lines: number[];
  /** what was read but not kept, one line each (a torn last line) */
  warnings: string[];
}

/** The warning for a torn last line: the one problem that is dropped instead of refused. */
export function tornLineWarning(file: string, line: number): string {
  return `${file}:${line}: torn last line (no newline, not valid JSON) dropped: the writer was interrupted`;
}

/** Lines of a text file (or its gzip), refusing binary data: a NUL byte or invalid UTF-8 is not a history. */
export function readTextLines(file: string, buf?: Buffer): string[] {
  let data: Buffer;
  try {
    data = buf ?? readBytes(file);
  } catch (e: unknown) {
    if (e instanceof InputError) throw e;
    throw unreadable(file, e);
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
  return { events, lines: lineNos, warnings: [] };
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
 * Reads a JSONL history a chunk at a time: no copy of the whole file, no string of it and no
 * array of lines, which for a 1M-op history would cost hundreds of MB.
 */
export function readHistoryJsonl(file: string): ParsedHistory {
  const events: HistoryEvent[] = [];
  const lineNos: number[] = [];
  const { warnings } = forEachJsonlEventInFile(file, (e, line) => {
    events.push(e);
    lineNos.push(line);
  });
  return { events, lines: lineNos, warnings };
}

function unreadable(file: string, e: unknown): InputError {
  return inputAt('history.unreadable', file, undefined, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String((e as Error).message));
}

type EachEvent = (e: HistoryEvent, line: number) => void;

export interface EachEventOptions {
  /**
   * `each` may get one object reused from line to line (with absent fields undefined), valid
   * only during the call: for a consumer that copies what it keeps, like the Pairer
   */
  transient?: boolean;
  /** every line through JSON.parse and the schema validator (to compare with the fast path) */
  slowOnly?: boolean;
  /**
   * Called after each chunk with the bytes read so far and the file's size; returning false
   * stops reading (a time budget that also covers parsing). Files only.
   */
  onChunk?: (bytesRead: number, totalBytes: number) => boolean | void;
}

/**
 * Calls `each` with every event of a JSONL buffer, validated, with its line number. A last line
 * without its newline that does not parse was torn by an interrupted writer: it is dropped and
 * named in `warnings`; any other bad line is refused.
 */
export function forEachJsonlEvent(file: string, data: Buffer, each: EachEvent, o: EachEventOptions = {}): { warnings: string[] } {
  const scan = new LineScan(file, each, o);
  const cut = data.lastIndexOf(10) + 1;
  scan.region(data, 0, cut);
  scan.tail(data, cut, data.length);
  scan.finish();
  return { warnings: scan.warnings };
}

/**
 * Calls `each` with every event of a JSONL file, validated, with its line number, reading the
 * file `chunkBytes` at a time (a longer line grows the buffer).
 */
export function forEachJsonlEventInFile(file: string, each: EachEvent, o: EachEventOptions & { chunkBytes?: number } = {}): { complete: boolean; warnings: string[] } {
  const chunkBytes = o.chunkBytes ?? 4 << 20;
  let src: ByteSource;
  try {
    src = openBytes(file);
  } catch (e: unknown) {
    throw unreadable(file, e);
  }
  const scan = new LineScan(file, each, o);
  try {
    let buf = Buffer.allocUnsafe(Math.max(16, chunkBytes));
    let filled = 0;
    for (;;) {
      if (o.onChunk && o.onChunk(src.consumed, src.size) === false) return { complete: false, warnings: scan.warnings };
      if (filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      let n: number;
      try {
        n = src.read(buf, filled, buf.length - filled);
      } catch (e: unknown) {
        if (e instanceof InputError) throw e;
        throw unreadable(file, e);
      }
      filled += n;
      if (n === 0) {
        // what is left after the last newline is the last line, without its newline
        if (filled > 0) scan.tail(buf, 0, filled);
        break;
      }
      // whole lines only: a UTF-8 sequence never holds a newline byte, so checks per region
      // see what a check of the whole file would
      const cut = buf.lastIndexOf(10, filled - 1) + 1;
      if (cut === 0) continue;
      scan.region(buf, 0, cut);
      buf.copyWithin(0, cut, filled);
      filled -= cut;
    }
  } finally {
    src.close();
  }
  scan.finish();
  return { complete: true, warnings: scan.warnings };
}

/**
 * Lines of a JSONL history, fed a region of whole lines at a time. Problems rank as they would
 * had the whole file been checked before parsing: the first NUL byte anywhere, then the first
 * line of invalid UTF-8 anywhere, then the first bad line. So after a problem the rest of the
 * file is still scanned for binary data, but nothing more is parsed.
 */
class LineScan {
  /** number of the next line */
  private line = 1;
  private badUtf8: InputError | undefined;
  private failure: { error: unknown } | undefined;
  private readonly scratch: ScratchEvent | undefined;
  private readonly transient: boolean;
  readonly warnings: string[] = [];
  constructor(
    private readonly file: string,
    private readonly each: EachEvent,
    o: EachEventOptions,
  ) {
    this.scratch = fastPathEnabled() && o.slowOnly !== true ? new ScratchEvent() : undefined;
    this.transient = o.transient === true;
  }

  region(buf: Buffer, start: number, end: number): void {
    const r = buf.subarray(start, end);
    const nul = r.indexOf(0);
    if (nul >= 0) throw inputAt('history.binary', this.file, this.line + countNewlines(r, nul), 'binary data (NUL byte), not a text history');
    if (!isUtf8(r)) {
      this.badUtf8 ??= inputAt('history.binary', this.file, this.line + firstBadUtf8Line(r) - 1, 'invalid UTF-8, not a text history');
    }
    if (this.badUtf8 !== undefined || this.failure !== undefined) {
      this.line += countNewlines(r, r.length);
      return;
    }
    let line = this.line;
    let s = start;
    try {
      while (s < end) {
        let e = buf.indexOf(10, s);
        if (e < 0 || e > end) e = end;
        if (e > s) {
          const x = this.scratch;
          if (x !== undefined && parseEventFast(buf, s, e, x)) this.each(this.transient ? x : x.materialize(), line);
          else {
            const ev = parseEvent(this.file, buf.toString('utf8', s, e), line);
            if (ev) this.each(ev, line);
          }
        }
        s = e + 1;
        line++;
      }
    } catch (e: unknown) {
      this.failure = { error: e };
      line = this.line + countNewlines(r, r.length);
    }
    this.line = line;
  }

  /**
   * The last line, with no newline after it. A controller killed mid-write leaves such a line
   * cut short: when it does not parse (cut JSON, a cut UTF-8 sequence, a zero-filled block after
   * a reboot) it is dropped with a warning. One that parses is an event like any other.
   */
  tail(buf: Buffer, start: number, end: number): void {
    if (start < end && !parses(buf, start, end)) {
      this.warnings.push(tornLineWarning(this.file, this.line));
      return;
    }
    this.region(buf, start, end);
  }

  finish(): void {
    if (this.badUtf8) throw this.badUtf8;
    if (this.failure) throw this.failure.error;
  }
}

/** whitespace, or one JSON value in valid UTF-8 without NUL bytes */
function parses(buf: Buffer, start: number, end: number): boolean {
  const r = buf.subarray(start, end);
  if (r.indexOf(0) >= 0 || !isUtf8(r)) return false;
  const text = r.toString('utf8').trim();
  if (text === '') return true;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function countNewlines(data: Buffer, upTo: number): number {
  let n = 0;
  for (let i = data.indexOf(10); i >= 0 && i < upTo; i = data.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Appends events as they arrive and flushes each write to the OS, so a crash of the controller
 * loses nothing already recorded. Each event is validated before it is written.
 */
export class HistoryWriter {
  private fd: number;
  private size: number;
  /** the write that failed (a full disk): later appends are dropped, the file ends at a whole line */
  failure?: Error;
  /** events not written since the failure */
  dropped = 0;
  /** `onFailure`: told once when a write fails; without it the failure is thrown */
  constructor(
    readonly file: string,
    private readonly onFailure?: (e: Error) => void,
  ) {
    this.fd = fs.openSync(file, 'a');
    this.size = fs.fstatSync(this.fd).size;
  }
  append(events: HistoryEvent | HistoryEvent[]): void {
    const list = Array.isArray(events) ? events : [events];
    if (list.length === 0) return;
    if (this.failure) {
      this.dropped += list.length;
      return;
    }
    let out = '';
    for (const e of list) out += JSON.stringify(HistoryEvent.parse(e)) + '\n';
    const buf = Buffer.from(out, 'utf8');
    try {
      // a short write is retried for the rest: a line is never left half written by us
      for (let off = 0; off < buf.length; ) off += fs.writeSync(this.fd, buf, off, buf.length - off);
      this.size += buf.length;
    } catch (e: unknown) {
      // ENOSPC mid-batch: cut back to the last whole line, so the history stays readable
      try {
        fs.ftruncateSync(this.fd, this.size);
      } catch {
        /* the reader drops a torn last line anyway */
      }
      this.failure = e as Error;
      this.dropped += list.length;
      if (!this.onFailure) throw e;
      this.onFailure(this.failure);
    }
  }
  sync(): void {
    if (this.failure) return;
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
