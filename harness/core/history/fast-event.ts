// A fast path for reading native history lines: parses the common shape of an event straight
// from the bytes, validating as it goes, and answers "don't know" for anything else. A
// don't-know line goes through JSON.parse + the schema validator, which stay the only judges of
// what is wrong with a line. So the fast path may only ever accept: a line it accepts must be
// valid JSON, a valid event under the zod schema, and read as exactly what JSON.parse gives.
// It knows printable-ASCII strings without escapes, integers (no fraction or exponent, safe),
// true/false/null, arrays and objects in value/result, and the rdma object; nemesis events
// (process "nemesis", fault) always take the slow path.
//
// The schema is defined once, in zod (schema.ts). This parser is written for one version of
// it, pinned by a fingerprint of the JSON Schema zod generates: if schema.ts changes, the fast
// path switches itself off (every line takes the slow path) and fast-event.test.ts fails until
// this file is brought in line and the fingerprint updated.
import { createHash } from 'node:crypto';
import type { Json } from '../json';
import { bool, got, int, json, latin1, nonNegInt, skipWs, str, strEnd } from './fast-json';
import { EventType, OpF, type HistoryEvent, type RdmaMeta } from './schema';
import { historyJsonSchema } from './validate';

/** sha256 of JSON.stringify(historyJsonSchema()) for the schema this parser implements */
export const FAST_SCHEMA_SHA256 = '09d9c1ab809efb0778a907962d8125eb3c527360078c3a271c95f341f653c395';

export function schemaFingerprint(): string {
  return createHash('sha256').update(JSON.stringify(historyJsonSchema())).digest('hex');
}

let enabled: boolean | undefined;

/** false when the zod schema is not the one this parser was written for */
export function fastPathEnabled(): boolean {
  enabled ??= schemaFingerprint() === FAST_SCHEMA_SHA256;
  return enabled;
}

class Names {
  private readonly slot = new Int8Array(64);
  private readonly bytes: Uint8Array[];
  /** a multiplier that gives every name its own slot (0: none found, nothing matches) */
  private seed = 0;
  constructor(readonly names: readonly string[]) {
    this.bytes = names.map((n) => Buffer.from(n, 'latin1'));
    for (let seed = 0x9e3779b1 | 0, tries = 0; tries < 10000 && this.seed === 0; tries++, seed = (seed + 0x6d2b79f6) | 0) {
      this.slot.fill(-1);
      this.seed = seed;
      for (const [i, n] of this.bytes.entries()) {
        const h = this.hash(n, 0, n.length);
        if (this.slot[h] !== -1) {
          this.seed = 0;
          break;
        }
        this.slot[h] = i;
      }
    }
  }
  private hash(b: Uint8Array, s: number, e: number): number {
    const len = e - s;
    return Math.imul(((len * 31 + b[s]!) * 31 + (len > 1 ? b[s + 1]! : 0)) * 31 + b[e - 1]!, this.seed) >>> 26;
  }
  /** if name i, quoted, starts at b[p]: the position after its closing quote, else -1 */
  isAt(b: Buffer, p: number, i: number): number {
    const name = this.bytes[i]!;
    const s = p + 1;
    for (let j = 0; j < name.length; j++) if (name[j] !== b[s + j]) return -1;
    return b[s + name.length] === 34 ? s + name.length + 1 : -1;
  }
  /** the index of the name whose quoted bytes start at b[p], or -1; the position after the closing quote goes to got.p */
  match(b: Buffer, p: number): number {
    const s = p + 1;
    const q = strEnd(b, s);
    if (q <= s || this.seed === 0) return -1;
    const i = this.slot[this.hash(b, s, q)]!;
    if (i < 0) return -1;
    const name = this.bytes[i]!;
    if (name.length !== q - s) return -1;
    for (let j = 0; j < name.length; j++) if (name[j] !== b[s + j]) return -1;
    got.p = q + 1;
    return i;
  }
}

const TYPES = new Names(EventType.options);
const FS = new Names(OpF.options);

const EVENT_FIELDS = ['type', 'process', 'f', 'node', 'key', 'value', 'result', 'error', 'time', 'rdma', 'fault', 'final'] as const;
const EVENT_NAMES = new Names(EVENT_FIELDS);
const F_TYPE = 0;
const F_PROCESS = 1;
const F_F = 2;
const F_NODE = 3;
const F_KEY = 4;
const F_VALUE = 5;
const F_RESULT = 6;
const F_ERROR = 7;
const F_TIME = 8;
const F_RDMA = 9;
const F_FINAL = 11;
const REQUIRED = (1 << F_TYPE) | (1 << F_PROCESS) | (1 << F_F);
/** by event type (4: not seen yet) and member (12: none yet), the member that followed last time */
const NEXT = new Int8Array(5 * 13).fill(-1);
/** the type and f of the last line that had them */
let lastType = 0;
let lastF = 0;

const RDMA_NAMES = new Names(['rail', 'nic', 'qpn', 'psn', 'epoch', 'wrId', 'repost']);
/** by member (7: none yet), the member that followed last time */
const RDMA_NEXT = new Int8Array(8).fill(-1);

// the agents' key orders (agents/history.ts): 3 bits a member (its number + 1), the first highest
const RQEW = ((1 * 8 + 3) * 8 + 5) * 8 + 6;
const RQEWP = RQEW * 8 + 4;
const RQEWPX = RQEWP * 8 + 7;

/** the rdma object into got.rdma; b[p] is its opening brace */
function rdmaObject(b: Buffer, p: number): number {
  // members into locals, then one object literal: built a member at a time, the fifth went
  // to a separately allocated property array (a million of them at 1M ops)
  let rail = 0;
  let nic = '';
  let qpn = 0;
  let psn: [number, number] = [0, 0];
  let epoch = 0;
  let wrId: number | string = 0;
  let repost = false;
  let seen = 0;
  let order = 0;
  p = skipWs(b, p + 1);
  if (b[p] === 125) {
    got.rdma = {};
    return p + 1;
  }
  let prev = 7;
  for (;;) {
    if (b[p] !== 34) return -1;
    const guess = RDMA_NEXT[prev]!;
    let k = guess >= 0 ? RDMA_NAMES.isAt(b, p, guess) : -1;
    if (k >= 0) {
      p = k;
      k = guess;
    } else {
      k = RDMA_NAMES.match(b, p);
      if (k < 0) return -1; // unknown key: slow path
      RDMA_NEXT[prev] = k;
      p = got.p;
    }
    if (seen & (1 << k)) return -1; // repeated key: slow path
    seen |= 1 << k;
    order = order * 8 + k + 1;
    prev = k;
    p = skipWs(b, p);
    if (b[p] !== 58) return -1;
    p = skipWs(b, p + 1);
    const c = b[p];
    switch (k) {
      case 0:
        rail = nonNegInt(b, p);
        p = got.p;
        if (Number.isNaN(rail)) return -1;
        break;
      case 1:
        p = c === 34 ? str(b, p) : -1;
        nic = got.s;
        break;
      case 2:
        qpn = nonNegInt(b, p);
        p = got.p;
        if (Number.isNaN(qpn)) return -1;
        break;
      case 3: {
        if (c !== 91) return -1;
        const first = nonNegInt(b, skipWs(b, p + 1));
        if (Number.isNaN(first)) return -1;
        p = skipWs(b, got.p);
        if (b[p] !== 44) return -1;
        const last = nonNegInt(b, skipWs(b, p + 1));
        if (Number.isNaN(last)) return -1;
        p = skipWs(b, got.p);
        if (b[p] !== 93) return -1;
        p++;
        psn = [first, last];
        break;
      }
      case 4:
        epoch = nonNegInt(b, p);
        p = got.p;
        if (Number.isNaN(epoch)) return -1;
        break;
      case 5:
        if (c === 34) {
          // the schema's pattern ^\d+$
          const q = strEnd(b, p + 1);
          if (q <= p + 1) return -1;
          for (let i = p + 1; i < q; i++) if (!(b[i]! >= 48 && b[i]! <= 57)) return -1;
          wrId = latin1(b, p + 1, q);
          p = q + 1;
        } else {
          const n = nonNegInt(b, p);
          if (Number.isNaN(n)) return -1;
          wrId = n;
          p = got.p;
        }
        break;
      case 6:
        p = bool(b, p);
        repost = got.v as boolean;
        break;
      default:
        return -1;
    }
    if (p < 0) return -1;
    p = skipWs(b, p);
    const d = b[p];
    if (d === 125) break;
    if (d !== 44) return -1;
    p = skipWs(b, p + 1);
  }
  if (order === RQEWP) got.rdma = { rail, qpn, epoch, wrId, psn };
  else if (order === RQEW) got.rdma = { rail, qpn, epoch, wrId };
  else if (order === RQEWPX) got.rdma = { rail, qpn, epoch, wrId, psn, repost };
  else {
    // any other order: a member at a time, in the line's order (as JSON.parse makes it)
    const ks: number[] = [];
    for (let o = order; o > 0; o = Math.floor(o / 8)) ks.push((o % 8) - 1);
    const vals = [rail, nic, qpn, psn, epoch, wrId, repost];
    const out: Record<string, unknown> = {};
    for (let j = ks.length - 1; j >= 0; j--) out[RDMA_NAMES.names[ks[j]!]!] = vals[ks[j]!];
    got.rdma = out as RdmaMeta;
  }
  return p + 1;
}

/**
 * One event read by the fast path, reused from line to line: the fields of the line just read
 * are set, every other one is undefined.
 */
export class ScratchEvent {
  type: HistoryEvent['type'] = 'invoke';
  process: number | 'nemesis' = 0;
  f: HistoryEvent['f'] = 'read';
  node: string | undefined = undefined;
  key: string | number | undefined = undefined;
  value: Json | undefined = undefined;
  result: Json | undefined = undefined;
  error: string | undefined = undefined;
  time: number | undefined = undefined;
  rdma: RdmaMeta | undefined = undefined;
  fault: undefined = undefined;
  final: boolean | undefined = undefined;
  /** field numbers (EVENT_FIELDS) in line order, 4 bits each, the first one highest */
  order = 0;
  fields = 0;

  /** a plain event object, as JSON.parse would have made it */
  materialize(): HistoryEvent {
    const ks: number[] = [];
    for (let o = this.order, i = 0; i < this.fields; i++, o = Math.floor(o / 16)) ks.push(o % 16);
    const e: Record<string, unknown> = {};
    for (let i = ks.length - 1; i >= 0; i--) {
      const name = EVENT_FIELDS[ks[i]!]!;
      e[name] = this[name];
    }
    return e as unknown as HistoryEvent;
  }
}

/**
 * Reads the event on bytes [start, end) of `b` (one line, no newline inside) into `e`. False
 * when the fast path does not know: the caller must then take the slow path, which decides.
 */
export function parseEventFast(b: Buffer, start: number, end: number, e: ScratchEvent): boolean {
  e.node = e.key = e.value = e.result = e.error = e.time = e.rdma = e.final = undefined;
  let p = skipWs(b, start);
  if (b[p] !== 123) return false;
  p = skipWs(b, p + 1);
  let seen = 0;
  let order = 0;
  let fields = 0;
  let prev = 12; // the member before: none yet
  let type = 4; // none yet
  for (;;) {
    if (b[p] !== 34) return false; // also the empty object: it lacks the required fields
    // Lines repeat a few shapes: first try the member that followed `prev` last time.
    const guess = NEXT[type * 13 + prev]!;
    let k = guess >= 0 ? EVENT_NAMES.isAt(b, p, guess) : -1;
    if (k >= 0) {
      p = k;
      k = guess;
    } else {
      k = EVENT_NAMES.match(b, p);
      if (k < 0) return false; // unknown key: slow path
      NEXT[type * 13 + prev] = k;
      p = got.p;
    }
    if (seen & (1 << k)) return false; // repeated key: slow path
    seen |= 1 << k;
    prev = k;
    order = order * 16 + k;
    fields++;
    p = skipWs(b, p);
    if (b[p] !== 58) return false;
    p = skipWs(b, p + 1);
    const c = b[p];
    switch (k) {
      case F_TYPE: {
        if (c !== 34) return false;
        let q = TYPES.isAt(b, p, lastType);
        if (q < 0) {
          const i = TYPES.match(b, p);
          if (i < 0) return false;
          lastType = i;
          q = got.p;
        }
        e.type = TYPES.names[lastType] as HistoryEvent['type'];
        type = lastType;
        p = q;
        break;
      }
      case F_PROCESS: {
        const n = nonNegInt(b, p); // "nemesis" events carry a fault: slow path
        if (Number.isNaN(n)) return false;
        e.process = n;
        p = got.p;
        break;
      }
      case F_F: {
        if (c !== 34) return false;
        let q = FS.isAt(b, p, lastF);
        if (q < 0) {
          const i = FS.match(b, p);
          if (i < 0) return false;
          lastF = i;
          q = got.p;
        }
        e.f = FS.names[lastF] as HistoryEvent['f'];
        p = q;
        break;
      }
      case F_NODE:
        p = c === 34 ? str(b, p) : -1;
        e.node = got.s;
        break;
      case F_KEY:
        if (c === 34) {
          p = str(b, p);
          e.key = got.s;
        } else {
          const n = int(b, p);
          if (Number.isNaN(n)) return false;
          e.key = n;
          p = got.p;
        }
        break;
      case F_VALUE:
        p = json(b, p, 0);
        e.value = got.v;
        break;
      case F_RESULT:
        p = json(b, p, 0);
        e.result = got.v;
        break;
      case F_ERROR:
        p = c === 34 ? str(b, p) : -1;
        e.error = got.s;
        break;
      case F_TIME: {
        const n = nonNegInt(b, p);
        if (Number.isNaN(n)) return false;
        e.time = n;
        p = got.p;
        break;
      }
      case F_RDMA:
        p = c === 123 ? rdmaObject(b, p) : -1;
        e.rdma = got.rdma;
        break;
      case F_FINAL:
        p = bool(b, p);
        e.final = got.v as boolean;
        break;
      default: // fault
        return false;
    }
    if (p < 0) return false;
    p = skipWs(b, p);
    const d = b[p];
    if (d === 125) {
      p = skipWs(b, p + 1);
      e.order = order;
      e.fields = fields;
      return p === end && (seen & REQUIRED) === REQUIRED;
    }
    if (d !== 44) return false;
    p = skipWs(b, p + 1);
  }
}
