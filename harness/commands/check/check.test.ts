// The `check` CLI contract: JSON lines, exit codes by worst verdict, and garbage input that
// always ends in one located line and exit code 254, never a crash.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { cli } from '../../test-support';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-check-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, data: string | Buffer): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, data);
  return f;
};

const ev = (o: object): string => JSON.stringify(o) + '\n';
const good = write('good.jsonl', ev({ type: 'invoke', process: 0, f: 'write', key: 'r', value: 1 }) + ev({ type: 'ok', process: 0, f: 'write', key: 'r', value: 1 }) + ev({ type: 'invoke', process: 1, f: 'read', key: 'r' }) + ev({ type: 'ok', process: 1, f: 'read', key: 'r', result: 1 }));
const stale = write('stale.jsonl', ev({ type: 'invoke', process: 0, f: 'write', key: 'r', value: 1 }) + ev({ type: 'ok', process: 0, f: 'write', key: 'r', value: 1 }) + ev({ type: 'invoke', process: 1, f: 'read', key: 'r' }) + ev({ type: 'ok', process: 1, f: 'read', key: 'r', result: 0 }));

describe('rdma-chaos check', () => {
  it('prints one JSON object per file with file, verdict, ms, ops', async () => {
    const r = await cli('check', '--json', good, stale);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.file, l.verdict, l.ops])).toEqual([
      [good, 'valid', 2],
      [stale, 'invalid', 2],
    ]);
    expect(typeof lines[0]!.ms).toBe('number');
    expect(r.code).toBe(1);
  });

  it('exits 0 when every file is valid, 2 when the budget runs out', async () => {
    expect((await cli('check', good)).code).toBe(0);
    const empty = write('empty.jsonl', '');
    expect((await cli('check', '--json', empty)).out).toContain('"verdict":"unknown"');
    expect((await cli('check', empty)).code).toBe(2);
  });

  it('explains a violation in text mode', async () => {
    const r = await cli('check', stale);
    expect(r.out).toMatch(/cannot be linearized/);
    expect(r.out).toMatch(/p1 read\[r\] -> 0/);
  });

  it('takes --format and --model', async () => {
    const etcd = write('x.log', 'INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:read\t3\n');
    expect((await cli('check', '--format', 'jepsen-etcd', etcd)).code).toBe(1);
    expect((await cli('check', '--model', 'register', good)).code).toBe(0);
    expect((await cli('check', '--model', 'nope', good)).code).toBe(254);
    expect((await cli('check', '--format', 'nope', good)).code).toBe(254);
  });

  const garbage: [string, string | Buffer, RegExp][] = [
    ['truncated JSON', ev({ type: 'invoke', process: 0, f: 'write', value: 1 }) + '{"type":"ok","process":0,"f":"wri\n', /trunc\.jsonl:2: not valid JSON/],
    ['a wrong type', ev({ type: 'invoke', process: 'zero', f: 'write', value: 1 }), /wrong\.jsonl:1: field "process"/],
    ['an unknown op', ev({ type: 'invoke', process: 0, f: 'teleport', value: 1 }), /unknown\.jsonl:1: field "f"/],
    ['binary bytes', Buffer.from([0x7b, 0x22, 0x00, 0xff, 0xfe, 0x0a]), /binary\.jsonl:1: binary data/],
    ['invalid UTF-8', Buffer.concat([Buffer.from(ev({ type: 'invoke', process: 0, f: 'read' })), Buffer.from([0xc3, 0x28, 0x0a])]), /utf8\.jsonl:2: invalid UTF-8/],
    ['an unknown event type', ev({ type: 'maybe', process: 0, f: 'read' }), /type\.jsonl:1: field "type"/],
    ['a completion without invoke', ev({ type: 'ok', process: 3, f: 'read', result: 1 }), /orphan\.jsonl:1: ok read for process 3, which has no pending invoke/],
    ['a bad etcd line', 'INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:read\tbanana\n', /etcd\.log:2: not a Jepsen etcd log line/],
    ['broken EDN', '[{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0 :type', /broken\.edn:2: /],
    ['a bad value for the model', ev({ type: 'invoke', process: 0, f: 'fadd', value: 'lots' }) + ev({ type: 'ok', process: 0, f: 'fadd', value: 'lots', result: 0 }), /badval\.jsonl:1: fadd needs an integer delta/],
  ];
  const names = ['trunc.jsonl', 'wrong.jsonl', 'unknown.jsonl', 'binary.jsonl', 'utf8.jsonl', 'type.jsonl', 'orphan.jsonl', 'etcd.log', 'broken.edn', 'badval.jsonl'];

  it.each(garbage.map((g, i) => [g[0], names[i]!, g[1], g[2]] as const))('rejects %s with one located line and 254', async (_what, name, data, msg) => {
    const f = write(name, data);
    const r = await cli('check', f);
    expect(r.code).toBe(254);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(msg);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('drops a torn last line (no newline) with a one-line warning on stderr and checks the rest', async () => {
    const f = write('torn.jsonl', fs.readFileSync(stale, 'utf8') + '{"type":"invoke","process":2,"f":"re');
    const r = await cli('check', '--json', f);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: 'invalid', ops: 2 });
    expect(r.err).toBe(`rdma-chaos: warning: ${f}:5: torn last line (no newline, not valid JSON) dropped: the writer was interrupted\n`);
    // a file that is only a torn line is as good as empty: nothing to conclude
    const only = write('only-torn.jsonl', '{"type":"inv');
    const o = await cli('check', only);
    expect(o.code).toBe(2);
    expect(o.err).toContain(`${only}:1: torn last line`);
  });

  it('rejects a missing file and a directory', async () => {
    expect((await cli('check', path.join(dir, 'nope.jsonl'))).err).toMatch(/nope\.jsonl: no such file/);
    expect((await cli('check', dir)).code).toBe(254);
  });

  it('takes a gzipped history, and a run directory by its history (plain, else gzipped)', async () => {
    const run = path.join(dir, 'run');
    fs.mkdirSync(run);
    fs.writeFileSync(path.join(run, 'history.jsonl.gz'), zlib.gzipSync(fs.readFileSync(stale)));
    const lines = async (...args: string[]): Promise<unknown[]> => (await cli('check', '--json', ...args)).out.trim().split('\n').map((l) => JSON.parse(l) as { file: string; verdict: string; ops: number }).map((l) => [l.file, l.verdict, l.ops]);
    expect(await lines(run, path.join(run, 'history.jsonl.gz'))).toEqual([[path.join(run, 'history.jsonl.gz'), 'invalid', 2], [path.join(run, 'history.jsonl.gz'), 'invalid', 2]]);
    fs.copyFileSync(good, path.join(run, 'history.jsonl'));
    expect(await lines(run)).toEqual([[path.join(run, 'history.jsonl'), 'valid', 2]]);
    // a directory with no history is still not a history
    expect(await cli('check', path.join(dir, 'run', '..'))).toMatchObject({ code: 254, err: expect.stringContaining('is a directory') });
  });

  it('never crashes on random bytes', async () => {
    for (let i = 0; i < 50; i++) {
      const bytes = Buffer.from(Array.from({ length: 200 }, (_, k) => (k * 7919 + i * 104729) % 256));
      const r = await cli('check', write(`rand${i}.jsonl`, bytes));
      expect(r.code).toBe(254);
    }
  });

  it('behaves the same through the installed binary (exit code, one line, no stack)', () => {
    const bin = path.resolve(__dirname, '../../../bin/rdma-chaos.js');
    const f = write('bin-trunc.jsonl', '{"type":\n');
    const r = spawnSync(process.execPath, [bin, 'check', f], { encoding: 'utf8' });
    expect(r.status).toBe(254);
    expect(r.stderr).toMatch(/bin-trunc\.jsonl:1: not valid JSON/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const ok = spawnSync(process.execPath, [bin, 'check', '--json', good], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ verdict: 'valid', ops: 2 });
  });
});
