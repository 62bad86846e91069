// At-most-once for registers (CAS and write values tagged with the op id): a value observed
// that nobody could have written (phantom), one replaced more often than it was produced
// (duplicate), an acknowledged write never replaced nor final (lost). Values get dense ids
// (key-ids.ts) and their counts typed columns: Maps of a 1M-op register's 500k values, an
// entry per value and role, were most of this checker's time and a GC's worth of garbage.
import type { Json, Operation } from '../core';
import { KeyIds } from './key-ids';
import type { Violation } from './types';
import { opLabel } from './types';

/** a value as a map key: a number as itself (no string per op), anything else as its JSON */
export type VKey = number | string;
export function vkey(v: Json | undefined): VKey {
  return typeof v === 'number' ? v : JSON.stringify(v ?? null);
}

/** per value id: counts, and the first op (index + 1, 0: none) in each role */
class Values {
  readonly ids = new KeyIds();
  prodN = new Int32Array(1024);
  prod1 = new Int32Array(1024);
  made = new Int32Array(1024);
  usedN = new Int32Array(1024);
  obs1 = new Int32Array(1024);
  deniedN = new Int32Array(1024);
  denied1 = new Int32Array(1024);

  id(v: Json | undefined): number {
    const i = this.ids.id(vkey(v));
    if (i >= this.prodN.length) {
      const g = (a: Int32Array): Int32Array<ArrayBuffer> => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      [this.prodN, this.prod1, this.made, this.usedN, this.obs1, this.deniedN, this.denied1] = [this.prodN, this.prod1, this.made, this.usedN, this.obs1, this.deniedN, this.denied1].map(g);
    }
    return i;
  }
}

export function checkRegister(key: string, list: Operation[], initial: number, out: Violation[]): void {
  const where = key ? ` on key ${key}` : '';
  const c = new Values();
  // ids in the order each role first met them (the order violations are reported in)
  const prodOrder: number[] = [];
  const usedOrder: number[] = [];
  const obsOrder: number[] = [];
  // per op: the value id it may have written (producers) and the one its successful CAS replaced
  const prodOf = new Int32Array(list.length).fill(-1);
  const useOf = new Int32Array(list.length).fill(-1);
  const observe = (id: number, j: number): void => {
    if (c.obs1[id] !== 0) return;
    c.obs1[id] = j + 1;
    obsOrder.push(id);
  };
  const deny = (id: number, j: number): void => {
    if (c.deniedN[id]!++ === 0) c.denied1[id] = j + 1;
  };
  const produce = (id: number, j: number): void => {
    prodOf[j] = id;
    if (c.prodN[id]!++ > 0) return;
    c.prod1[id] = j + 1;
    prodOrder.push(id);
  };
  const initId = c.id(initial);
  c.made[initId]!++;
  let blindWrites = false;
  for (let j = 0; j < list.length; j++) {
    const op = list[j]!;
    if (op.status === 'fail' || op.final) {
      if (op.final && op.status === 'ok' && op.result !== undefined) observe(c.id(op.result), j);
      if (op.status === 'fail' && op.f === 'cas' && Array.isArray(op.value)) deny(c.id(op.value[1]), j);
      if (op.status === 'fail' && op.f === 'write') deny(c.id(op.value), j);
      continue;
    }
    if (op.f === 'write') {
      blindWrites = true;
      const id = c.id(op.value);
      produce(id, j);
      if (op.status === 'ok') c.made[id]!++;
    } else if (op.f === 'cas' && Array.isArray(op.value) && op.value.length === 2) {
      const [from, to] = op.value as [Json, Json];
      const success = op.status === 'ok' && (op.result === true || (op.result !== false && op.result !== undefined && vkey(op.result) === vkey(from)));
      if (op.status === 'ok' && op.result !== undefined && typeof op.result !== 'boolean') observe(c.id(op.result), j);
      const toId = c.id(to);
      if (op.status === 'info' || success) produce(toId, j);
      else if (op.status === 'ok') deny(toId, j);
      if (success) {
        c.made[toId]!++;
        const fromId = c.id(from);
        useOf[j] = fromId;
        if (c.usedN[fromId]!++ === 0) usedOrder.push(fromId);
      }
    } else if (op.f === 'read' && op.status === 'ok' && op.result !== undefined) {
      observe(c.id(op.result), j);
    }
  }
  let fin: Json | undefined;
  for (const op of list) if (op.final && op.status === 'ok' && op.result !== undefined) fin = op.result;
  const finId = fin === undefined ? -1 : c.id(fin);
  // phantom: a value seen that nobody could have written
  for (const id of obsOrder) {
    if (id === initId || c.prodN[id]! > 0) continue;
    const op = list[c.obs1[id]! - 1]!;
    const v = vkey(op.result);
    if (c.deniedN[id]! > 0) {
      const d = list[c.denied1[id]! - 1]!;
      out.push({
        kind: 'phantom',
        message: `${opLabel(d)} reported that it did not write ${v}${d.status === 'ok' ? ` (its CAS found ${JSON.stringify(d.result)})` : ' (failed)'}, yet ${opLabel(op)} observed that value${where}: it took effect, and its success was lost.`,
        ops: [d.id, op.id],
      });
      continue;
    }
    out.push({ kind: 'phantom', message: `${opLabel(op)} observed ${v}${where}, a value no operation wrote.`, ops: [op.id] });
  }
  // duplicate: a value replaced (or left final) more often than it was produced
  const values = finId >= 0 && c.usedN[finId] === 0 ? [...usedOrder, finId] : usedOrder;
  for (const id of values) {
    const uses = c.usedN[id]! + (id === finId ? 1 : 0);
    const maxProd = c.prodN[id]! + (id === initId ? 1 : 0);
    if (uses <= maxProd || (maxProd === 0 && c.deniedN[id]! > 0)) continue;
    // the lists only for the message: one pass over the key's ops
    const prods: Operation[] = [];
    const users: Operation[] = [];
    for (let j = 0; j < list.length; j++) {
      if (prodOf[j] === id) prods.push(list[j]!);
      if (useOf[j] === id) users.push(list[j]!);
    }
    const v = id === finId ? vkey(fin) : vkey((users[0]!.value as Json[])[0]);
    const who = prods.length === 1 ? `${opLabel(prods[0]!)} executed more than once` : `one of the ${prods.length} writers of ${v} executed more than once`;
    out.push({
      kind: 'duplicate',
      message: `Value ${v}${where} was replaced by ${users.length} successful CAS${id === finId ? ' and is still the final value' : ''}, but could have been written only ${maxProd} time(s): ${who}.`,
      ops: [...prods, ...users].map((op) => op.id),
    });
  }
  // lost: without blind writes every production is replaced by a CAS or is final
  if (!blindWrites && fin !== undefined) {
    const infoFrom = new Int32Array(c.ids.size);
    for (const op of list) {
      if (op.f !== 'cas' || op.status !== 'info' || !Array.isArray(op.value)) continue;
      const id = c.ids.get(vkey(op.value[0]));
      if (id >= 0) infoFrom[id]!++;
    }
    for (const id of prodOrder) {
      // only a value with one producer, which succeeded, can tell a lost write
      const prod = list[c.prod1[id]! - 1]!;
      if (c.prodN[id] !== 1 || prod.status !== 'ok') continue;
      const uses = c.usedN[id]! + (id === finId ? 1 : 0) + infoFrom[id]!;
      const v = vkey(prod.f === 'write' ? prod.value : (prod.value as Json[])[1]);
      if (c.made[id]! > uses) out.push({ kind: 'lost', message: `${opLabel(prod)} succeeded, but its value ${v}${where} was never replaced by a CAS and is not the final value: its write was lost.`, ops: [prod.id] });
    }
  }
}
