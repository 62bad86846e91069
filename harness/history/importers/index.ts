// Loads a history file in any supported format into the one event model, remembering which
// model the format's own tool checked it with.
import * as fs from 'node:fs';
import { InputError, inputAt } from '../../errors';
import { parseJsonl, readTextLines } from '../jsonl';
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
}

export function detectFormat(file: string, lines: string[]): HistoryFormat {
  const first = lines.find((l) => l.trim() !== '' && !l.trim().startsWith(';'))?.trim();
  if (first === undefined) return file.endsWith('.log') ? 'jepsen-etcd' : file.endsWith('.edn') ? 'knossos-edn' : 'native';
  if (first.startsWith('{"') || first.startsWith('{ "')) return 'native';
  if (looksLikeEtcd(first)) return 'jepsen-etcd';
  if (looksLikePorcupineKv(first)) return 'porcupine-kv';
  if (looksLikeKnossos(lines.slice(0, 50).join('\n'))) return 'knossos-edn';
  throw inputAt('history.unknownFormat', file, lines.indexOf(lines.find((l) => l.trim() !== '')!) + 1, 'cannot tell the history format; pass --format');
}

export function loadHistory(file: string, format?: HistoryFormat): LoadedHistory {
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new InputError('history.isDirectory', `${file}: is a directory, not a history file`);
  const text = readTextLines(file);
  const fmt = format ?? detectFormat(file, text);
  switch (fmt) {
    case 'native':
      return { file, format: fmt, ...parseJsonl(file, text) };
    case 'jepsen-etcd':
      return { file, format: fmt, ...parseJepsenEtcd(file, text) };
    case 'porcupine-kv':
      return { file, format: fmt, ...parsePorcupineKv(file, text.join('\n')) };
    case 'knossos-edn':
      return { file, format: fmt, ...parseKnossosEdn(file, text.join('\n')) };
  }
}
