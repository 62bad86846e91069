// Loads a history file in any supported format into the one event model, remembering which
// model the format's own tool checked it with.
import * as fs from 'node:fs';
import { InputError, inputAt } from '../../errors';
import { openBytes, type ByteSource } from '../gzip';
import { forEachJsonlEventInFile, readHistoryJsonl, readTextLines } from '../jsonl';
import { Pairer, pairEvents, type OpHistory } from '../ops';
import type { HistoryEvent } from '../schema';
import { looksLikeEtcd, parseJepsenEtcd } from './jepsen-etcd';
import { looksLikeKnossos, parseKnossosEdn } from './knossos-edn';
import { looksLikePorcupineKv, parsePorcupineKv } from './porcupine-kv';

export const FORMATS = ['native', 'jepsen-etcd', 'porcupine-kv', 'knossos-edn'] as const;
export type HistoryFormat = (typeof FORMATS)[number];

export interface LoadedHistory {
  file: string;
  format: HistoryFormat;
  events: HistoryEvent[];
  lines: number[];
  /** one line each: what was read but dropped (a torn last line of a native history) */
  warnings: string[];
}

export function detectFormat(file: string, lines: string[]): HistoryFormat {
  const first = lines.find((l) => l.trim() !== '' && !l.trim().startsWith(';'))?.trim();
  const name = file.replace(/\.gz$/, '');
  if (first === undefined) return name.endsWith('.log') ? 'jepsen-etcd' : name.endsWith('.edn') ? 'knossos-edn' : 'native';
  if (first.startsWith('{"') || first.startsWith('{ "')) return 'native';
  if (looksLikeEtcd(first)) return 'jepsen-etcd';
  if (looksLikePorcupineKv(first)) return 'porcupine-kv';
  if (looksLikeKnossos(lines.slice(0, 50).join('\n'))) return 'knossos-edn';
  throw inputAt('history.unknownFormat', file, lines.indexOf(lines.find((l) => l.trim() !== '')!) + 1, 'cannot tell the history format; pass --format');
}

/** a cheap look at the first bytes (inflated, of a gzip), so big native histories skip the generic text path */
function looksNative(file: string): boolean {
  let src: ByteSource | undefined;
  try {
    src = openBytes(file);
    const head = Buffer.alloc(64);
    const n = src.read(head, 0, 64);
    return /^\s*\{\s*"/.test(head.subarray(0, n).toString('latin1'));
  } catch {
    return false;
  } finally {
    src?.close();
  }
}

export function loadHistory(file: string, format?: HistoryFormat): LoadedHistory {
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new InputError('history.isDirectory', `${file}: is a directory, not a history file`);
  if (format === 'native' || (format === undefined && looksNative(file))) return { file, format: 'native', ...readHistoryJsonl(file) };
  const text = readTextLines(file);
  const fmt = format ?? detectFormat(file, text);
  switch (fmt) {
    case 'native':
      // the lines lost which one had its newline: read again the way native files are read
      return { file, format: fmt, ...readHistoryJsonl(file) };
    case 'jepsen-etcd':
      return { file, format: fmt, warnings: [], ...parseJepsenEtcd(file, text) };
    case 'porcupine-kv':
      return { file, format: fmt, warnings: [], ...parsePorcupineKv(file, text.join('\n')) };
    case 'knossos-edn':
      return { file, format: fmt, warnings: [], ...parseKnossosEdn(file, text.join('\n')) };
  }
}

export interface LoadedOps extends OpHistory {
  file: string;
  format: HistoryFormat;
  /** reading stopped at the deadline: the ops are a prefix and nothing may be concluded */
  truncated?: true;
  /** one line each, for the caller to show: a torn last line that was dropped */
  warnings: string[];
}

export interface LoadOptions {
  /** Date.now() after which reading stops (native files are read in chunks; others whole) */
  deadline?: number;
  /** bytes read so far, of the file's size, after each chunk of a native file */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/**
 * Loads a history straight into operations. A native history is paired while it is read,
 * keeping no events: the controller writes an op's two events once it completed, with times
 * widened by the clock slack, so its files are seldom in time order, and the Pairer re-ranks
 * by time at the end (a 1M-op run: 2M events held and sorted were 1.1 GB and 5.5 s).
 */
export function loadOps(file: string, format?: HistoryFormat, o: LoadOptions = {}): LoadedOps {
  if (format === 'native' || (format === undefined && looksNative(file))) {
    const pairer = new Pairer(file);
    const onChunk = (read: number, total: number): boolean => {
      o.onProgress?.(read, total);
      return o.deadline === undefined || Date.now() < o.deadline;
    };
    const { complete, warnings } = forEachJsonlEventInFile(file, (e, line) => pairer.push(e, line), { transient: true, onChunk });
    if (!complete) return { file, format: 'native', ops: [], faults: [], truncated: true, warnings };
    return { file, format: 'native', ...pairer.finish(), warnings };
  }
  const h = loadHistory(file, format);
  return { file, format: h.format, ...pairEvents(h.events, { file, lines: h.lines }), warnings: h.warnings };
}
