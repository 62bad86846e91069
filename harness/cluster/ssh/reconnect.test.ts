// A dropped SSH connection, against real sshd: the driver reconnects with backoff. A command
// that had not started, or that the caller marks idempotent, runs again; one cut off mid-way is
// reported as the testbed's trouble (exit 2), never as bad input.
import { ChaosError, ExitCode } from '../../core';
import { leftovers, startSshHosts, type SshHosts } from '../test-support';
import { openSshDriver, type SshDriver } from './driver';

jest.setTimeout(90_000);

let hosts: SshHosts;
let d: SshDriver;

beforeAll(async () => {
  hosts = await startSshHosts({ hosts: 1, rails: 1 });
  d = openSshDriver(hosts.inventory);
}, 60_000);

afterAll(async () => {
  await d?.close();
  const id = hosts?.id;
  await hosts?.stop();
  if (id) expect(await leftovers(id)).toEqual([]);
}, 60_000);

const echo = async (s: string): Promise<string> => (await d.exec('h1', ['echo', s])).stdout;

test('after the connection is cut between commands, the next command reconnects and runs', async () => {
  expect(await echo('before')).toBe('before\n');
  await hosts.dropConnections(0);
  expect(await echo('after')).toBe('after\n');
  await hosts.dropConnections(0);
  const p = await d.spawn('h1', ['cat']);
  p.stdin.end('spawned after a drop\n');
  let out = '';
  p.stdout.on('data', (b: Buffer) => (out += b.toString()));
  expect((await p.exited).code).toBe(0);
  expect(out).toBe('spawned after a drop\n');
});

test('a command cut off mid-way: outcome unknown, exit 2 (not 254), and the node is usable after', async () => {
  const running = d.exec('h1', ['sleep', '30']).then(() => undefined, (x: unknown) => x);
  await new Promise((r) => setTimeout(r, 1000));
  await hosts.dropConnections(0);
  const e = await running;
  expect(e).toBeInstanceOf(ChaosError);
  expect(e).toMatchObject({ code: 'cluster.connectionLost', exitCode: ExitCode.unknown });
  expect((e as Error).message).toMatch(/node h1 .*connection lost while running sleep; outcome unknown/);
  expect(await echo('still here')).toBe('still here\n');
});

test('an idempotent command cut off mid-way is run again and succeeds', async () => {
  const started = Date.now();
  const running = d.exec('h1', ['sh', '-c', 'sleep 2; echo done'], { idempotent: true });
  await new Promise((r) => setTimeout(r, 700));
  await hosts.dropConnections(0);
  const r = await running;
  expect(r).toMatchObject({ code: 0, stdout: 'done\n' });
  // it ran twice: the second run took its own 2 s after the cut
  expect(Date.now() - started).toBeGreaterThan(2600);
});

test('an upload cut off mid-transfer is sent again whole, and the file lands complete (a drop is not bad input)', async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const crypto = await import('node:crypto');
  const src = path.join(hosts.dir, 'upload-src.bin');
  fs.writeFileSync(src, crypto.randomBytes(48 << 20));
  const dest = path.join(hosts.dir, 'uploaded', 'blob.bin');
  const up = d.upload('h1', src, dest, 0o600);
  // the sshd hosts share this filesystem: cut the connection once the temp file is growing
  const deadline = Date.now() + 30_000;
  const partial = (): boolean => fs.existsSync(path.dirname(dest)) && fs.readdirSync(path.dirname(dest)).some((f) => f.includes('.rc-upload-') && fs.statSync(path.join(path.dirname(dest), f)).size > 0);
  while (!partial() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(partial()).toBe(true);
  await hosts.dropConnections(0);
  await up;
  expect(crypto.createHash('sha256').update(fs.readFileSync(dest)).digest('hex')).toBe(crypto.createHash('sha256').update(fs.readFileSync(src)).digest('hex'));
  expect(fs.statSync(dest).mode & 0o777).toBe(0o600);
  // no temp file left but the one the drop cut off (the node's own cleanup is not the driver's)
  expect(fs.readdirSync(path.dirname(dest)).filter((f) => !f.includes('.rc-upload-'))).toEqual(['blob.bin']);
});
