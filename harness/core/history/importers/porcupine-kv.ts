// Porcupine's key/value logs: one EDN map per line with :process :type :f :key :value.
// Read with the EDN reader, then held to the fixed shape the format promises.
import { inputAt } from '../../errors';
import { EdnMap, Keyword, readEdn } from '../edn';
import type { HistoryEvent } from '../schema';

export function looksLikePorcupineKv(firstLine: string): boolean {
  return /^\{:process \d+, :type :\w+, :f :(get|put|append), :key "/.test(firstLine);
}

export function parsePorcupineKv(file: string, text: string): { events: HistoryEvent[]; lines: number[] } {
  const events: HistoryEvent[] = [];
  const lines: number[] = [];
  for (const { form, line } of readEdn(text, file)) {
    if (!(form instanceof EdnMap)) throw inputAt('history.badKvLine', file, line, 'expected one {:process ...} map per line');
    const process = form.get('process');
    const type = kw(form.get('type'));
    const f = kw(form.get('f'));
    const key = form.get('key');
    const value = form.get('value');
    if (typeof process !== 'number' || !Number.isInteger(process) || process < 0) throw inputAt('history.badKvLine', file, line, ':process must be a non-negative integer');
    if (type !== 'invoke' && type !== 'ok' && type !== 'fail' && type !== 'info') throw inputAt('history.badKvLine', file, line, `unknown :type ${String(form.get('type'))}`);
    if (f !== 'get' && f !== 'put' && f !== 'append') throw inputAt('history.badKvLine', file, line, `unknown :f ${String(form.get('f'))} (get, put or append)`);
    if (typeof key !== 'string') throw inputAt('history.badKvLine', file, line, ':key must be a string');
    if (value !== null && typeof value !== 'string') throw inputAt('history.badKvLine', file, line, ':value must be a string or nil');
    const e: HistoryEvent = { type, process, f, key };
    if (f === 'get') {
      if (type === 'ok') e.result = value ?? '';
    } else {
      if (value === null) throw inputAt('history.badKvLine', file, line, `${f} needs a string :value`);
      e.value = value;
    }
    events.push(e);
    lines.push(line);
  }
  return { events, lines };
}

function kw(v: unknown): string | undefined {
  return v instanceof Keyword ? v.name : undefined;
}
