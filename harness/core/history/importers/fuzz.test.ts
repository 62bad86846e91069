// Fuzzing every history importer through loadOps, the entry point of `check` and `recheck`
// (issue 16): native JSONL, Jepsen etcd logs, Porcupine kv logs and Knossos EDN, each from valid
// histories mutated as text (bytes flipped, cuts, NULs, brackets, huge numbers, unicode) and,
// for the native format, as data (fields deleted, retyped, renamed, repeated, deeply nested).
// Each file loads, or is refused with one clear `file:line: what` line: never a crash or a hang.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { clearOrValid, fuzzParams, mutatedText, mutatedValue } from '../../../test-support';
import { loadOps, type HistoryFormat } from '.';

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-histfuzz-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const ev = (o: object): string => JSON.stringify(o);
const rdma = { rail: 0, nic: 'rxe0', qpn: 17, psn: [5, 5], epoch: 0, wrId: '18446744073709551615', repost: false };
const fault = { id: 'f1-ack-loss', kind: 'ack-loss', targets: ['node2'], params: { mode: 'blackout', rails: [0] } };
const NATIVE: readonly string[] = [
  [
    ev({ type: 'invoke', process: 0, f: 'fadd', node: 'node2', key: 'counter@0', value: 1, time: 1000, rdma }),
    ev({ type: 'invoke', process: 'nemesis', f: 'start', time: 1500, fault }),
    ev({ type: 'ok', process: 0, f: 'fadd', node: 'node2', key: 'counter@0', value: 1, result: 0, time: 2000, rdma }),
    ev({ type: 'info', process: 'nemesis', f: 'start', time: 2100, fault }),
    ev({ type: 'invoke', process: 1, f: 'cas', key: 'r', value: [0, 5], time: 2500 }),
    ev({ type: 'info', process: 1, f: 'cas', key: 'r', value: [0, 5], error: 'IBV_WC_RETRY_EXC_ERR', time: 3000, rdma: { ...rdma, repost: true, epoch: 1 } }),
    ev({ type: 'ok', process: 'nemesis', f: 'stop', time: 3500, fault }),
    ev({ type: 'invoke', process: 2, f: 'read', key: 'counter@0', time: 4000, final: true }),
    ev({ type: 'ok', process: 2, f: 'read', key: 'counter@0', result: '9007199254740993', time: 4100, final: true }),
  ].join('\n') + '\n',
  [
    ev({ type: 'invoke', process: 3, f: 'send', key: 'node2->node1', value: 1, time: 10 }),
    ev({ type: 'ok', process: 3, f: 'send', key: 'node2->node1', value: 1, time: 20 }),
    ev({ type: 'invoke', process: 4, f: 'recv', key: 'node2->node1', time: 5 }),
    ev({ type: 'ok', process: 4, f: 'recv', key: 'node2->node1', result: 1, time: 25 }),
    ev({ type: 'invoke', process: 5, f: 'write', key: 7, value: { a: [1, 'x'] }, time: 30 }),
    ev({ type: 'fail', process: 5, f: 'write', key: 7, value: { a: [1, 'x'] }, error: 'E', time: 40 }),
  ].join('\n'),
];
const ETCD = [
  ['INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]', 'INFO  jepsen.util - 2\t:invoke\t:read\tnil', 'INFO  jepsen.util - 1\t:fail\t:cas\t[1 2]', 'INFO  jepsen.util - 2\t:ok\t:read\t3', 'INFO  jepsen.util - 3\t:invoke\t:write\t-4', 'INFO  jepsen.util - 3\t:info\t:write\t:timed-out', 'INFO  jepsen.util - 5\t:invoke\t:read\tnil', 'INFO  jepsen.util - 5\t:fail\t:read\t:timed-out'].join('\n') + '\n',
];
const KV = [
  ['{:process 0, :type :invoke, :f :get, :key "3", :value nil}', '{:process 1, :type :invoke, :f :put, :key "3", :value "x 1 y"}', '{:process 0, :type :ok, :f :get, :key "3", :value ""}', '{:process 1, :type :ok, :f :put, :key "3", :value "x 1 y"}', '{:process 2, :type :invoke, :f :append, :key "\\"q\\"", :value "z"}', '{:process 2, :type :info, :f :append, :key "\\"q\\"", :value "z"}'].join('\n') + '\n',
];
const EDN = [
  `; a Knossos history
[{:process 0, :type :invoke, :f :cas, :value [0 1]}
 {:process :nemesis, :type :info, :f :start, :value nil}
 {:process 1, :type :invoke, :f :read, :value nil}
 {:process 0, :type :fail, :f :cas, :value [0 1], :error "it said ]no["}
 {:process 1, :type :ok, :f :read, :value 12345678901234567890N}
 {:process 2 :type :invoke :f :write :value #{1 2} :time #inst "2026-01-01"}
 #_ {:process 9}
 {:process 2 :type :ok :f :write :value (1 \\a 2.5M 1/2 sym)}
 {:process 3, :type :invoke, :f :txn, :value [[:r :x nil] [:w :y {:k "v"}]]}
 {:process 3, :type :ok, :f :txn, :value [[:r :x 1] [:w :y {:k "v"}]]}]
`,
  '{:process 0 :type :invoke :f :write :value 1}\n{:process 0 :type :ok :f :write :value 1}\n',
];

let n = 0;
/** loadOps on the text as a file, with the format given or detected */
function load(text: string, ext: string, format?: HistoryFormat): void {
  const f = path.join(dir, `h${n++ % 8}${ext}`);
  fs.writeFileSync(f, text);
  const h = loadOps(f, format);
  JSON.stringify(h.ops.slice(0, 3), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
}

test('the fuzz starts from valid histories in every format', () => {
  for (const t of NATIVE) expect(() => load(t, '.jsonl')).not.toThrow();
  const f = (t: string, ext: string): string => {
    const p = path.join(dir, `v${ext}`);
    fs.writeFileSync(p, t);
    return loadOps(p).format;
  };
  expect(ETCD.map((t) => f(t, '.log'))).toEqual(['jepsen-etcd']);
  expect(KV.map((t) => f(t, '.txt'))).toEqual(['porcupine-kv']);
  expect(EDN.map((t) => f(t, '.edn'))).toEqual(['knossos-edn', 'knossos-edn']);
});

const cases: [string, readonly string[], string, HistoryFormat | undefined, number][] = [
  ['native (detected)', NATIVE, '.jsonl', undefined, 1621],
  ['jepsen-etcd (detected)', ETCD, '.log', undefined, 1622],
  ['porcupine-kv (--format)', KV, '.txt', 'porcupine-kv', 1623],
  ['knossos-edn (detected)', EDN, '.edn', undefined, 1624],
];

test.each(cases)('mutated %s text: ops or a clear error', (_name, bases, ext, format, seed) => {
  fc.assert(
    fc.property(mutatedText(bases), (t) => {
      clearOrValid(() => load(t, ext, format), /^history\./);
    }),
    fuzzParams(seed),
  );
});

test('mutated native events: ops or a clear error', () => {
  const events = NATIVE.map((t) => t.trim().split('\n').map((l) => JSON.parse(l) as unknown));
  let refused = 0;
  fc.assert(
    fc.property(mutatedValue(events), (v) => {
      const lines = Array.isArray(v) ? v.map((e) => JSON.stringify(e) ?? 'undefined') : [JSON.stringify(v) ?? ''];
      if (clearOrValid(() => load(lines.join('\n'), '.jsonl', 'native'), /^history\./).error) refused++;
    }),
    fuzzParams(1625),
  );
  expect(refused).toBeGreaterThan(1000);
  expect(refused).toBeLessThan(9900);
});

// what the fuzz found, kept as plain cases
describe('fuzz-found histories', () => {
  const refused = (text: string, ext: string, format?: HistoryFormat): string => {
    const { error } = clearOrValid(() => load(text, ext, format), /^history\./);
    expect(error).toBeDefined();
    return error!.message.replace(/^.*\/h\d\.\w+:/, 'h:');
  };
  const deep = (d: number): string => `${'['.repeat(d)}1${']'.repeat(d)}`;
  // both event validators recurse per level: a RangeError, exit 255
  it('a native value nested 10,000 deep', () => {
    expect(refused(`${ev({ type: 'invoke', process: 0, f: 'write', key: 'r' }).replace('}', `,"value":${deep(10_000)}}`)}\n`, '.jsonl')).toBe('h:1: nested deeper than 100 levels');
  });
  // the EDN reader recursed per level: a RangeError in the Knossos and Porcupine importers
  it('an EDN value nested 10,000 deep', () => {
    expect(refused(`[{:process 0 :type :invoke :f :write :value ${deep(10_000)}}]`, '.edn')).toBe('h:1: collections nested deeper than 200 levels');
    expect(refused(`{:process 0, :type :invoke, :f :put, :key "3", :value ${deep(10_000)}}\n`, '.txt', 'porcupine-kv')).toBe('h:1: collections nested deeper than 200 levels');
  });
  // JSON.parse reads 1e400 as Infinity, which ajv's "number" let through (zod's does not)
  it('a number beyond the range of a double, native and EDN', () => {
    expect(refused(`${ev({ type: 'invoke', process: 0, f: 'write', key: 'r' }).replace('}', ',"value":[1e400]}')}\n`, '.jsonl')).toBe('h:1: a number beyond the range of a double (it reads as Infinity)');
    expect(refused('[{:process 0 :type :invoke :f :write :value 1e400}]', '.edn')).toBe('h:1: number "1e400" is out of range');
    expect(refused('[{:process 0 :type :invoke :f :write :value 1/0}]', '.edn')).toBe('h:1: number "1/0" is out of range');
  });
  // a bad key of a megabyte line was quoted whole: one "line" of a megabyte on stderr
  it('a message quoting a huge key is cut in the middle', () => {
    const m = refused(`${ev({ type: 'invoke', process: 0, f: 'write', key: 'r' }).replace('{', `{"${'['.repeat(5000)}":1,`)}\n`, '.jsonl');
    expect(m.length).toBeLessThan(1000);
    expect(m).toMatch(/^h:1: Unrecognized key: "\[+ … \[+"$/);
  });
});
