// Jepsen etcd logs (Porcupine's test_data/jepsen). Semantics kept exactly as the etcd test
// checked them: `:ok :read nil` means the key is absent (not a wildcard), `:fail :cas` is a
// completed CAS that observed a mismatch, `:fail :read :timed-out` constrains nothing.
import { inputAt } from '../../errors';
import type { HistoryEvent } from '../schema';

const LINE = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+(:invoke|:ok|:fail|:info)\s+(:read|:write|:cas)\s+(nil|-?\d+|\[-?\d+ -?\d+\]|:timed-out)\s*$/;

export function looksLikeEtcd(firstLine: string): boolean {
  return /^INFO\s+jepsen\.util\s+-\s/.test(firstLine);
}

export function parseJepsenEtcd(file: string, lines: string[]): { events: HistoryEvent[]; lines: number[] } {
  const events: HistoryEvent[] = [];
  const lineNos: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const m = LINE.exec(raw);
    if (!m) throw inputAt('history.badEtcdLine', file, i + 1, `not a Jepsen etcd log line: ${JSON.stringify(raw.slice(0, 80))}`);
    const process = Number(m[1]);
    const type = m[2]!.slice(1) as 'invoke' | 'ok' | 'fail' | 'info';
    const f = m[3]!.slice(1) as 'read' | 'write' | 'cas';
    const v = m[4]!;
    const e: HistoryEvent = { type, process, f };
    const num = (): number => {
      if (!/^-?\d+$/.test(v)) throw inputAt('history.badEtcdLine', file, i + 1, `${f} needs an integer value, got ${v}`);
      return Number(v);
    };
    const pair = (): [number, number] => {
      const pm = /^\[(-?\d+) (-?\d+)\]$/.exec(v);
      if (!pm) throw inputAt('history.badEtcdLine', file, i + 1, `cas needs [expected new], got ${v}`);
      return [Number(pm[1]), Number(pm[2])];
    };
    if (type === 'invoke') {
      if (f === 'write') e.value = num();
      else if (f === 'cas') e.value = pair();
    } else if (type === 'ok') {
      if (f === 'read') e.result = v === 'nil' ? null : num();
      else if (f === 'write') e.value = num();
      else {
        e.value = pair();
        e.result = true;
      }
    } else if (type === 'fail') {
      if (f === 'cas') {
        // a completed compare that did not match: it happened, and it constrains the state
        e.type = 'ok';
        e.value = pair();
        e.result = false;
      } else if (f === 'read') {
        // the read timed out: indeterminate, the process goes on with the same id
        e.type = 'info';
        e.error = 'timed-out';
      } else {
        e.error = v === ':timed-out' ? 'timed-out' : 'failed';
      }
    } else {
      e.error = v === ':timed-out' ? 'timed-out' : 'indeterminate';
    }
    events.push(e);
    lineNos.push(i + 1);
  }
  return { events, lines: lineNos };
}
