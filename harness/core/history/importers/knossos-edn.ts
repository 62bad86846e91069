// Knossos / Jepsen EDN histories. Semantics as knossos.history/preprocess: an :ok value replaces
// the invocation's, :fail ops did not happen (we keep them as `fail`, which every checker drops),
// :info and unmatched invocations are indeterminate, and a nil read is a wildcard.
import { inputAt } from '../../errors';
import { Edn, EdnList, EdnMap, EdnSet, Keyword, Sym, Tagged, readEdn } from '../edn';
import type { Json } from '../../json';
import { OpF, type HistoryEvent } from '../schema';

export function looksLikeKnossos(text: string): boolean {
  const t = text.replace(/^(\s|;[^\n]*\n)*/, '');
  return t.startsWith('[') || t.startsWith('(') || (t.startsWith('{') && /:type\s+:(invoke|ok|fail|info)/.test(t.slice(0, 400)));
}

export function parseKnossosEdn(file: string, text: string): { events: HistoryEvent[]; lines: number[] } {
  const forms = readEdn(text, file);
  let items: { form: Edn; line: number }[];
  const only = forms.length === 1 ? forms[0]! : undefined;
  if (only && (Array.isArray(only.form) || only.form instanceof EdnList)) {
    const seq = Array.isArray(only.form) ? only.form : only.form.items;
    items = seq.map((form) => ({ form, line: form instanceof EdnMap ? form.line : only.line }));
  } else {
    items = forms;
  }
  const events: HistoryEvent[] = [];
  const lines: number[] = [];
  const pendingValue = new Map<number, Json | undefined>();
  for (const { form, line } of items) {
    if (!(form instanceof EdnMap)) throw inputAt('history.badEdnOp', file, line, 'expected an op map {:process .. :type .. :f ..}');
    const proc = form.get('process');
    if (proc instanceof Keyword) {
      if (proc.name === 'nemesis') continue; // fault annotations: not client operations
      throw inputAt('history.badEdnOp', file, line, `unknown :process ${proc.toString()}`);
    }
    if (typeof proc !== 'number' || !Number.isInteger(proc) || proc < 0) throw inputAt('history.badEdnOp', file, line, ':process must be a non-negative integer or :nemesis');
    const type = keyword(form.get('type'));
    if (type !== 'invoke' && type !== 'ok' && type !== 'fail' && type !== 'info') throw inputAt('history.badEdnOp', file, line, `unknown :type ${describe(form.get('type'))}`);
    const fName = keyword(form.get('f'));
    const f = OpF.safeParse(fName);
    if (!f.success || f.data === 'start' || f.data === 'stop') throw inputAt('history.badEdnOp', file, line, `unknown :f ${describe(form.get('f'))}`);
    const raw = form.has('value') ? toJson(form.get('value')!, file, line) : undefined;
    const e: HistoryEvent = { type, process: proc, f: f.data };
    if (type === 'invoke') {
      if (raw !== undefined && raw !== null && f.data !== 'read') e.value = raw;
      if (f.data === 'txn' && raw !== undefined) e.value = raw;
      pendingValue.set(proc, e.value);
    } else {
      const invoked = pendingValue.get(proc);
      pendingValue.delete(proc);
      if (type === 'ok') {
        if (f.data === 'read') {
          // nil read: the value is unknown, so the read constrains nothing
          if (raw !== null && raw !== undefined) e.result = raw;
        } else if (f.data === 'txn') {
          if (invoked !== undefined) e.value = invoked;
          if (raw !== undefined) e.result = raw;
        } else if (raw !== undefined && raw !== null) {
          e.value = raw;
        } else if (invoked !== undefined) {
          e.value = invoked;
        }
      } else if (invoked !== undefined) {
        e.value = invoked;
      }
      const err = form.get('error');
      if (err !== undefined && err !== null) e.error = typeof err === 'string' ? err : describe(err);
    }
    events.push(e);
    lines.push(line);
  }
  return { events, lines };
}

function keyword(v: Edn | undefined): string | undefined {
  return v instanceof Keyword ? v.name : undefined;
}

function describe(v: Edn | undefined): string {
  if (v === undefined) return '(missing)';
  if (v instanceof Keyword) return v.toString();
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

function toJson(v: Edn, file: string, line: number): Json {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Keyword) return v.name;
  if (v instanceof Sym) return v.name;
  if (Array.isArray(v)) return v.map((x) => toJson(x, file, line));
  if (v instanceof EdnList || v instanceof EdnSet) return v.items.map((x) => toJson(x, file, line));
  if (v instanceof Tagged) return toJson(v.value, file, line);
  if (v instanceof EdnMap) {
    const o: { [k: string]: Json } = {};
    for (const [k, x] of v.entries) o[typeof k === 'string' ? k : k instanceof Keyword ? k.name : String(k)] = toJson(x, file, line);
    return o;
  }
  throw inputAt('history.badEdnOp', file, line, 'unsupported EDN value');
}
