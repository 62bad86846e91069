// The fast path for native lines must never accept what JSON.parse + the zod/ajv schema would
// not, and must read exactly what JSON.parse reads. It may decline anything: the slow path then
// decides. Checked on random valid events, random malformed lines and a table of edge cases;
// and the streaming reader must give the slow path's events, lines and errors.
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FAST_SCHEMA_SHA256, ScratchEvent, parseEventFast, schemaFingerprint } from './fast-event';
import { forEachJsonlEvent, forEachJsonlEventInFile } from './jsonl';
import type { HistoryEvent } from './schema';
import { eventProblem } from './validate';

const scratch = new ScratchEvent();

/** what the fast path makes of a line: undefined when it declines */
function fast(line: string): HistoryEvent | undefined {
  const b = Buffer.from(line, 'utf8');
  return parseEventFast(b, 0, b.length, scratch) ? scratch.materialize() : undefined;
}

/** the slow path's verdict: the event, or the reason it is refused */
function slow(line: string): { event: HistoryEvent } | { problem: string } {
  let obj: unknown;
  try {
    obj = JSON.parse(line.trim());
  } catch (e: unknown) {
    return { problem: `not JSON: ${(e as Error).message}` };
  }
  const problem = eventProblem(obj);
  return problem === null ? { event: obj as HistoryEvent } : { problem };
}

/** the property: whatever the fast path accepts, the slow path accepts, and reads the same */
function agrees(line: string): boolean {
  const f = fast(line);
  if (f === undefined) return true;
  const s = slow(line);
  if (!('event' in s)) throw new Error(`fast path accepted a line the schema refuses (${s.problem}): ${line}`);
  expect(f).toStrictEqual(s.event);
  // same members in the same order, -0 and all
  expect(JSON.stringify(f)).toBe(JSON.stringify(s.event));
  expect(Object.keys(f)).toEqual(Object.keys(s.event));
  return true;
}

describe('fast path for native history lines', () => {
  it('is written for the current zod schema (else it is off and every line takes the slow path)', () => {
    // If this fails, schema.ts changed: bring fast-event.ts in line with the new schema, then
    // set FAST_SCHEMA_SHA256 to the fingerprint printed here.
    expect(schemaFingerprint()).toBe(FAST_SCHEMA_SHA256);
  });

  const printable = fc.string({ unit: fc.integer({ min: 32, max: 126 }).map((c) => String.fromCharCode(c)), maxLength: 12 });
  const anyText = fc.oneof(printable, fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 4 }));
  const int = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.maxSafeInteger(), fc.constantFrom(0, 2 ** 53 - 1, 4 ** 25, 1e16, 2 ** 53));
  const num = fc.oneof(int, fc.double({ noNaN: true, noDefaultInfinity: true }));
  const nonNeg = fc.oneof(fc.nat(), fc.constantFrom(0, Number.MAX_SAFE_INTEGER), fc.maxSafeNat());
  const json = fc.oneof({ weight: 3, arbitrary: fc.oneof(int, printable, fc.constant(null), fc.boolean()) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) });
  const rdma = fc.record(
    {
      rail: nonNeg,
      nic: anyText,
      qpn: nonNeg,
      psn: fc.tuple(nonNeg, nonNeg),
      epoch: nonNeg,
      wrId: fc.oneof(nonNeg, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String)),
      repost: fc.boolean(),
    },
    { requiredKeys: [] },
  );
  const client = fc.record(
    {
      type: fc.constantFrom('invoke', 'ok', 'fail', 'info'),
      process: nonNeg,
      f: fc.constantFrom('read', 'write', 'cas', 'fadd', 'send', 'recv', 'get', 'put', 'append', 'txn', 'acquire', 'release'),
      node: anyText,
      key: fc.oneof(printable, int, num, anyText),
      value: json,
      result: json,
      error: anyText,
      time: nonNeg,
      rdma,
      final: fc.boolean(),
    },
    { requiredKeys: ['type', 'process', 'f'] },
  );
  const nemesis = fc.record({
    type: fc.constantFrom('invoke', 'info'),
    process: fc.constant('nemesis'),
    f: fc.constantFrom('start', 'stop'),
    fault: fc.record({ id: printable, kind: printable, targets: fc.array(printable, { maxLength: 2 }) }, { requiredKeys: ['id', 'kind'] }),
    time: nonNeg,
  });
  // what controllers write: ASCII names, integers
  const name = fc.string({ unit: fc.integer({ min: 32, max: 126 }).filter((c) => c !== 34 && c !== 92).map((c) => String.fromCharCode(c)), maxLength: 12 });
  const plainClient = fc.record(
    {
      type: fc.constantFrom('invoke', 'ok', 'fail', 'info'),
      process: fc.nat({ max: 64 }),
      f: fc.constantFrom('read', 'write', 'cas', 'fadd', 'send', 'recv'),
      node: name,
      key: fc.oneof(name, int),
      value: fc.oneof(int, fc.tuple(int, int)),
      result: fc.oneof(int, fc.boolean(), fc.constant(null)),
      error: name,
      time: nonNeg,
      rdma: fc.oneof(
        fc.record({ rail: fc.nat({ max: 3 }), qpn: fc.nat(), wrId: fc.oneof(fc.nat(), fc.nat().map(String)) }, { requiredKeys: [] }),
        // the agents' member order (agents/history.ts), which the fast path builds in one literal
        fc.record({ rail: fc.nat({ max: 3 }), qpn: fc.nat(), epoch: fc.nat(), wrId: fc.oneof(fc.nat(), fc.nat().map(String)), psn: fc.tuple(fc.nat(), fc.nat()), repost: fc.boolean() }, { requiredKeys: ['rail', 'qpn', 'epoch', 'wrId'] }),
      ),
      final: fc.boolean(),
    },
    { requiredKeys: ['type', 'process', 'f'] },
  );
  const event = fc.oneof({ weight: 3, arbitrary: plainClient }, { weight: 3, arbitrary: client }, { weight: 1, arbitrary: nemesis });
  /** members in any order, written compactly or with whitespace around tokens */
  const line = fc.tuple(event, fc.constantFrom<(string | number)[]>([''], [1], ['\t'], ['  ']), fc.boolean(), fc.boolean()).map(([e, [indent], shuffle, cr]) => {
    const entries = Object.entries(e).map(([k, v]): [string, unknown] => [k, shuffle && k === 'rdma' ? Object.fromEntries(Object.entries(v as object).reverse()) : v]);
    if (shuffle) entries.reverse();
    const text = JSON.stringify(Object.fromEntries(entries), null, indent === '' ? undefined : indent).replace(/\n/g, ' ');
    return cr ? text + '\r' : text;
  });

  it('accepts only valid events, read exactly as JSON.parse reads them, and accepts most plain ones', () => {
    let accepted = 0;
    let runs = 0;
    fc.assert(
      fc.property(line, (l) => {
        runs++;
        if (fast(l) !== undefined) accepted++;
        return agrees(l);
      }),
      { numRuns: 5000 },
    );
    // not a test that cannot fail: a fast path that declined everything would pass the above
    expect(accepted / runs).toBeGreaterThan(0.35); // the plain events, 3 in 7
  });

  const mutation = fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.constantFrom('"', '\\', ',', ':', '{', '}', '[', ']', '0', '1', '-', '.', 'e', 'E', '+', ' ', '\t', '\r', 'a', 'n', 't', 'f', 'é', '\u0001', '\u00a0', '\ufeff', 'null', 'true', '"x"', '[]', '{}', '__proto__'));
  const malformed = fc.tuple(line, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([l, ms]) => {
    let s = l;
    for (const [at, how, what] of ms) {
      const i = s.length === 0 ? 0 : at % s.length;
      if (how === 0) s = s.slice(0, i) + what + s.slice(i + 1); // replace
      else if (how === 1) s = s.slice(0, i) + what + s.slice(i); // insert
      else if (how === 2) s = s.slice(0, i) + s.slice(i + 1 + (at % 3)); // delete
      else s = s.slice(0, i); // truncate
    }
    return s;
  });

  it('never accepts a malformed line the schema refuses', () => {
    let refused = 0;
    fc.assert(
      fc.property(malformed, (l) => {
        if ('problem' in slow(l)) refused++;
        return agrees(l);
      }),
      { numRuns: 20000 },
    );
    expect(refused).toBeGreaterThan(5000);
  });

  const base = '"type":"invoke","process":0,"f":"fadd"';
  const refusedLines = [
    '{"type":"invoke","process":0}',
    '{"process":0,"f":"read"}',
    `{${base},}`,
    `{${base}`,
    `{${base}}}`,
    `{${base}} x`,
    `[{${base}}]`,
    '{}',
    `{${base},"key":01}`,
    `{${base},"key":1.}`,
    `{${base},"key":.5}`,
    `{${base},"key":+1}`,
    `{${base},"key":- 1}`,
    `{${base},"key":1e}`,
    `{${base},"key":0x10}`,
    `{${base},"key":Infinity}`,
    `{${base},"key":NaN}`,
    `{${base},"key":true}`,
    `{${base},"key":null}`,
    `{${base},"key":[1]}`,
    `{${base},"key":'a'}`,
    `{${base},"node":"a\tb"}`,
    `{${base},"node":"a\\x"}`,
    `{${base},"node":"\\u12"}`,
    `{${base},"node":1}`,
    `{${base},"node":null}`,
    `{${base},"value":tru}`,
    `{${base},"value":nul}`,
    `{${base},"value":[1,]}`,
    `{${base},"value":{"a":1,}}`,
    `{${base},"value":{a:1}}`,
    `{${base},"value":[1 2]}`,
    `{${base},"value":}`,
    `{${base},"time":-1}`,
    `{${base},"time":1.5}`,
    `{${base},"time":9007199254740992}`,
    `{${base},"time":99999999999999999999}`,
    `{${base},"time":"1"}`,
    `{${base},"final":1}`,
    `{${base},"final":"true"}`,
    `{${base},"error":5}`,
    `{${base},"extra":1}`,
    `{${base},"Type":"ok"}`,
    `{${base},"rdma":{"rail":-1}}`,
    `{${base},"rdma":{"rail":1.5}}`,
    `{${base},"rdma":{"psn":[1]}}`,
    `{${base},"rdma":{"psn":[1,2,3]}}`,
    `{${base},"rdma":{"psn":[-1,2]}}`,
    `{${base},"rdma":{"wrId":"12a"}}`,
    `{${base},"rdma":{"wrId":""}}`,
    `{${base},"rdma":{"wrId":"-1"}}`,
    `{${base},"rdma":{"wrId":-1}}`,
    `{${base},"rdma":{"repost":0}}`,
    `{${base},"rdma":{"nic":7}}`,
    `{${base},"rdma":{"bogus":1}}`,
    `{${base},"rdma":[]}`,
    `{${base},"rdma":null}`,
    '{"type":"maybe","process":0,"f":"read"}',
    '{"type":"invoke","process":0,"f":"teleport"}',
    '{"type":"invoke","process":0,"f":"Read"}',
    '{"type":"invoke","process":-1,"f":"read"}',
    '{"type":"invoke","process":1.5,"f":"read"}',
    '{"type":"invoke","process":"0","f":"read"}',
    '{"type":"invoke","process":"nemesis","f":"start","fault":{"id":"a"}}',
    '{"type":"invoke","process":"nemesis","f":"start","fault":{"id":"a","kind":"k","x":1}}',
    '{"type":"invoke","process":0,"f":"fadd","value":1}garbage',
    '{"type":"invoke","process":0,"f":"fadd","value":"\u0001"}',
    '{"type":"invoke","process":0,"f":"fa\u00e9"}',
  ];

  it.each(refusedLines.map((l) => [l]))('declines, and the schema refuses: %s', (l) => {
    expect(fast(l)).toBeUndefined();
    expect(slow(l)).toHaveProperty('problem');
  });

  const acceptedLines = [
    '{"type":"invoke","process":0,"f":"fadd","node":"n0","key":0,"value":1,"time":1}',
    '{"type":"ok","process":0,"f":"fadd","node":"n0","key":0,"value":1125899906842624,"result":0,"time":2,"rdma":{"rail":0,"qpn":17,"wrId":5}}',
    '{"type":"info","process":13,"f":"fadd","node":"n1","key":0,"value":67108864,"error":"IBV_WC_RETRY_EXC_ERR","time":30}',
    '{"type":"ok","process":99,"f":"read","key":"x","result":null,"final":true,"time":9007199254740991}',
    '{"type":"ok","process":1,"f":"cas","key":-3,"value":[1,2],"result":true,"rdma":{"rail":1,"nic":"rxe1","qpn":3,"psn":[10,12],"epoch":2,"wrId":"18446744073709551615","repost":true}}',
    '{"type":"ok","process":1,"f":"recv","value":{"a":[1,{"b":null}],"c":"d"},"result":[]}',
    ' { "type" : "invoke" , "process" : 0 , "f" : "read" } \r',
    '{"type":"ok","process":2,"f":"read","result":{"x":1,"x":2}}',
    '{"f":"read","process":2,"type":"ok","result":{"2":1,"1":0}}',
  ];

  it.each(acceptedLines.map((l) => [l]))('reads, as JSON.parse does: %s', (l) => {
    expect(fast(l)).toBeDefined();
    expect(agrees(l)).toBe(true);
  });

  it('declines a __proto__ member rather than set a prototype', () => {
    const l = '{"type":"ok","process":2,"f":"read","result":{"__proto__":{"x":1}}}';
    expect(fast(l)).toBeUndefined();
    expect(slow(l)).toHaveProperty('event');
  });

  it('stops at the end of its line whatever follows in the buffer', () => {
    const a = '{"type":"invoke","process":0,"f":"read"';
    const b = Buffer.from(`${a}\n}\n`);
    expect(parseEventFast(b, 0, a.length, scratch)).toBe(false);
    const c = Buffer.from(a);
    expect(parseEventFast(c, 0, c.length, scratch)).toBe(false);
  });
});

describe('streaming JSONL reader', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-fast-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const write = (data: string | Buffer): string => {
    const f = path.join(dir, `h${n++}.jsonl`);
    fs.writeFileSync(f, data);
    return f;
  };

  type Outcome = { events: [HistoryEvent, number][] } | { error: string };
  const run = (f: () => void, events: [HistoryEvent, number][]): Outcome => {
    try {
      f();
      return { events };
    } catch (e: unknown) {
      return { error: (e as Error).message };
    }
  };
  /** the slow path over the whole file in memory: the reference */
  const reference = (file: string): Outcome => {
    const out: [HistoryEvent, number][] = [];
    return run(() => forEachJsonlEvent(file, fs.readFileSync(file), (e, l) => out.push([e, l]), { slowOnly: true }), out);
  };
  const streamed = (file: string, chunkBytes: number, transient = false): Outcome => {
    const out: [HistoryEvent, number][] = [];
    return run(() => forEachJsonlEventInFile(file, (e, l) => out.push([transient ? plain(e) : e, l]), { chunkBytes, transient }), out);
  };
  /** a copy of a (possibly reused) event with only the fields it has */
  const plain = (e: HistoryEvent): HistoryEvent => {
    const fields = ['type', 'process', 'f', 'node', 'key', 'value', 'result', 'error', 'time', 'rdma', 'fault', 'final'] as const;
    return Object.fromEntries(fields.filter((k) => e[k] !== undefined).map((k) => [k, e[k]])) as HistoryEvent;
  };

  const ev = (i: number): string =>
    JSON.stringify(
      i % 3 === 0
        ? { type: 'invoke', process: i % 4, f: 'write', key: `k${i % 2}`, value: i, time: i }
        : i % 3 === 1
          ? { type: 'ok', process: i % 4, f: 'write', node: 'n1', value: i * 1e6, result: [i, 'é'], time: i, rdma: { rail: 1, wrId: String(i) } }
          : { type: 'info', process: 'nemesis', f: 'start', fault: { id: `f${i}`, kind: 'partition' }, time: i },
    );

  it('gives the events and lines of the slow path, whatever the chunk size', () => {
    const lines = Array.from({ length: 60 }, (_, i) => ev(i));
    lines.splice(7, 0, '', '   ', '\r');
    lines[20] = lines[20]! + '\r';
    lines[30] = ' ' + lines[30]!;
    for (const trailing of ['\n', '', '\n\n']) {
      const f = write(lines.join('\n') + trailing);
      const want = reference(f);
      expect(want).toHaveProperty('events');
      for (const chunk of [16, 37, 100, 4096, 4 << 20]) {
        expect(streamed(f, chunk)).toEqual(want);
        expect(streamed(f, chunk, true)).toEqual(want);
      }
    }
  });

  const located = (file: string, chunk: number): string => {
    const r = streamed(file, chunk);
    if (!('error' in r)) throw new Error('expected an error');
    return r.error;
  };

  it('reports the problem the whole-file check reports: NUL byte, then bad UTF-8, then the first bad line', () => {
    const good = Array.from({ length: 40 }, (_, i) => ev(i * 3));
    const with_ = (edits: Record<number, string | Buffer>): Buffer =>
      Buffer.concat(good.map((l, i) => Buffer.concat([Buffer.from(edits[i] ?? l), Buffer.from('\n')])));
    const cases: [Buffer, RegExp][] = [
      [with_({ 2: '{"type":', 30: Buffer.from([0x7b, 0x00]) }), /:31: binary data \(NUL byte\)/],
      [with_({ 2: '{"type":', 25: Buffer.from([0xc3, 0x28]) }), /:26: invalid UTF-8/],
      [with_({ 25: Buffer.from([0xc3, 0x28]), 35: Buffer.from([0x00]) }), /:36: binary data \(NUL byte\)/],
      [with_({ 5: '{"type":"invoke","process":0,"f":"teleport"}', 9: '{"type":' }), /:6: field "f"/],
      [with_({ 39: '{"type":"invoke","process":0,"f":"read"' }), /:40: not valid JSON/],
    ];
    for (const [data, msg] of cases) {
      const f = write(data);
      const want = reference(f);
      expect(want).toHaveProperty('error');
      expect((want as { error: string }).error).toMatch(msg);
      for (const chunk of [16, 100, 1000, 4 << 20]) expect(located(f, chunk)).toBe((want as { error: string }).error);
    }
  });

  it('names a missing file', () => {
    expect(located(path.join(dir, 'nope.jsonl'), 100)).toMatch(/nope\.jsonl: no such file/);
  });
});
