import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pairEvents } from '../ops';
import { loadHistory } from '.';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-import-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

describe('Jepsen etcd logs', () => {
  const f = write(
    'e.log',
    [
      'INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]',
      'INFO  jepsen.util - 2\t:invoke\t:read\tnil',
      'INFO  jepsen.util - 1\t:fail\t:cas\t[1 2]',
      'INFO  jepsen.util - 2\t:ok\t:read\tnil',
      'INFO  jepsen.util - 3\t:invoke\t:read\tnil',
      'INFO  jepsen.util - 3\t:fail\t:read\t:timed-out',
      'INFO  jepsen.util   -   4   :invoke   :write   3',
      'INFO  jepsen.util - 4\t:info\t:write\t:timed-out',
    ].join('\n'),
  );
  const h = loadHistory(f);
  const { ops } = pairEvents(h.events, { file: f, lines: h.lines });

  it('is detected, and a :fail :cas is a completed CAS that saw a mismatch', () => {
    expect(h.format).toBe('jepsen-etcd');
    expect(ops[0]).toMatchObject({ f: 'cas', status: 'ok', value: [1, 2], result: false });
  });
  it('reads nil as "absent" (null), not as a wildcard', () => {
    expect(ops[1]).toMatchObject({ f: 'read', status: 'ok', result: null });
  });
  it('treats a timed-out read as indeterminate, and the info write too', () => {
    expect(ops[2]).toMatchObject({ f: 'read', status: 'info', error: 'timed-out' });
    expect(ops[3]).toMatchObject({ f: 'write', status: 'info', value: 3, ret: Infinity });
  });
});

describe('Knossos EDN', () => {
  const f = write(
    'k.edn',
    `[{:process 0, :type :invoke, :f :cas, :value [0 1]}
      {:process :nemesis, :type :info, :f :start, :value nil}
      {:process 1, :type :invoke, :f :read, :value nil}
      {:process 0, :type :fail, :f :cas, :value [0 1], :error "it said ]no["}
      {:process 1, :type :ok, :f :read, :value nil}
      {:process 2 :type :invoke :f :write :value 4}
      {:process 2 :type :ok :f :write :value 4}]`,
  );
  const h = loadHistory(f);
  const { ops } = pairEvents(h.events, { file: f, lines: h.lines });
  it('drops nemesis ops and keeps :fail ops as fail (checkers drop them)', () => {
    expect(h.format).toBe('knossos-edn');
    expect(ops.map((o) => [o.f, o.status])).toEqual([['cas', 'fail'], ['read', 'ok'], ['write', 'ok']]);
  });
  it('reads a nil read result as a wildcard (no result)', () => {
    expect(ops[1]!.result).toBeUndefined();
  });
  it('keeps the line of each op', () => {
    expect(ops[2]!.callLine).toBe(6);
  });
});

describe('Porcupine kv logs', () => {
  it('reads get/put/append with keys', () => {
    const f = write('c.txt', '{:process 0, :type :invoke, :f :get, :key "3", :value nil}\n{:process 0, :type :ok, :f :get, :key "3", :value "x 1 y"}\n');
    const h = loadHistory(f);
    expect(h.format).toBe('porcupine-kv');
    expect(pairEvents(h.events, { file: f }).ops[0]).toMatchObject({ f: 'get', key: '3', result: 'x 1 y' });
  });
});
