// Builds small native histories for tests: ops written as [process, f, value, type, result]
// in real-time order, with explicit overlap via `invoke`/`complete` steps.
import type { HistoryEvent, Json, OpF } from '../../core';
import { pairEvents, type Operation } from '../../core';

export class H {
  readonly events: HistoryEvent[] = [];
  private t = 0;
  invoke(process: number, f: OpF, value?: Json, key?: string | number): this {
    const e: HistoryEvent = { type: 'invoke', process, f, time: ++this.t };
    if (value !== undefined) e.value = value;
    if (key !== undefined) e.key = key;
    this.events.push(e);
    return this;
  }
  complete(process: number, type: 'ok' | 'fail' | 'info', result?: Json, extra: Partial<HistoryEvent> = {}): this {
    const inv = [...this.events].reverse().find((e) => e.process === process && e.type === 'invoke')!;
    const e: HistoryEvent = { type, process, f: inv.f, time: ++this.t, ...extra };
    if (inv.value !== undefined) e.value = inv.value;
    if (inv.key !== undefined) e.key = inv.key;
    if (result !== undefined) e.result = result;
    this.events.push(e);
    return this;
  }
  /** invoke and complete at once */
  op(process: number, f: OpF, value: Json | undefined, type: 'ok' | 'fail' | 'info', result?: Json, key?: string | number): this {
    return this.invoke(process, f, value, key).complete(process, type, result);
  }
  final(process: number, f: OpF, result: Json, key?: string | number): this {
    this.invoke(process, f, undefined, key);
    return this.complete(process, 'ok', result, { final: true });
  }
  ops(): Operation[] {
    return pairEvents(this.events, { file: 'test' }).ops;
  }
}
