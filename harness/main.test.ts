// The installed binary with its stdout already closed, as under `| head -1` or `| grep -q`:
// it ends quietly with the command's own exit code, never an EPIPE stack trace.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '../bin/rdma-chaos.js');
let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-main-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** runs the CLI with stdout on a pipe whose reader closed before it started: every write fails */
function withClosedStdout(args: string[]): Promise<{ code: number | null; err: string }> {
  const fifo = path.join(dir, `fifo-${args.join('-').replace(/\W/g, '')}`);
  execFileSync('mkfifo', [fifo]);
  const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const writer = fs.openSync(fifo, fs.constants.O_WRONLY);
  fs.closeSync(reader);
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', writer, 'pipe'] });
  fs.closeSync(writer);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, err })));
}

test('--help into a closed pipe exits 0 with nothing on stderr', async () => {
  for (const args of [['--help'], ['run', '--help'], ['check', '--help']]) {
    expect(await withClosedStdout(args)).toEqual({ code: 0, err: '' });
  }
});

test('a command into a closed pipe keeps its own exit code, and stderr stays clean', async () => {
  const ev = (o: object): string => `${JSON.stringify(o)}\n`;
  const valid = path.join(dir, 'valid.jsonl');
  const invalid = path.join(dir, 'invalid.jsonl');
  const history = (read: number): string =>
    ev({ type: 'invoke', process: 0, f: 'write', key: 'r', value: 1 }) + ev({ type: 'ok', process: 0, f: 'write', key: 'r', value: 1 }) +
    ev({ type: 'invoke', process: 1, f: 'read', key: 'r' }) + ev({ type: 'ok', process: 1, f: 'read', key: 'r', result: read });
  fs.writeFileSync(valid, history(1));
  fs.writeFileSync(invalid, history(7));
  expect(await withClosedStdout(['check', '--model', 'register', valid])).toEqual({ code: 0, err: '' });
  expect(await withClosedStdout(['check', '--model', 'register', '--json', invalid])).toEqual({ code: 1, err: '' });
  const torn = path.join(dir, 'torn.jsonl');
  fs.writeFileSync(torn, '{"type":\n'); // with its newline: a torn last line would be dropped
  const r = await withClosedStdout(['check', torn]);
  expect(r.code).toBe(254);
  expect(r.err).toMatch(/^rdma-chaos: .*torn\.jsonl:1: not valid JSON/);
  expect(r.err.trim().split('\n')).toHaveLength(1);
});
