// The kernel-log capture of ssh nodes (dmesg --follow over SSH), against real sshd: stopping it
// must end the remote dmesg. sshd answers a channel close only once the command has exited,
// and dmesg --follow never reads its stdin: a run on the ssh driver waited at its end, idle,
// for a kernel message that never came (issue 16).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { leftovers, startSshHosts, type SshHosts } from '../cluster/test-support';
import { openSshDriver, type SshDriver } from '../cluster/ssh';
import { ConsoleCapture, FOLLOW_DMESG as FOLLOW_DMESG_FOR_TEST } from './capture';

jest.setTimeout(90_000);

let hosts: SshHosts;
let d: SshDriver;
let dir: string;

beforeAll(async () => {
  hosts = await startSshHosts({ hosts: 1, rails: 1 });
  d = openSshDriver(hosts.inventory);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-capture-'));
}, 60_000);

afterAll(async () => {
  await d?.close();
  const id = hosts?.id;
  await hosts?.stop();
  if (id) expect(await leftovers(id)).toEqual([]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

const dmesgs = async (): Promise<string> => (await d.exec('h1', ['sh', '-c', "pgrep -af -- '^[d]mesg --follow' || true"])).stdout.trim();

test('stop() ends the remote dmesg --follow and returns, with no kernel message to wake it', async () => {
  const before = await dmesgs();
  const logs: string[] = [];
  const c = new ConsoleCapture({ driver: d, dir, nodes: ['h1'], now: () => Number(process.hrtime.bigint()), log: (l) => logs.push(l) });
  expect(c.source).toBe('dmesg');
  c.start();
  // the follower is up once its dmesg runs on the node
  for (let i = 0; i < 100 && (await dmesgs()) === before; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await dmesgs()).not.toBe(before);
  const stopped = c.stop().then(() => 'stopped');
  const late = new Promise((r) => setTimeout(() => r('still waiting after 20 s'), 20_000).unref());
  expect(await Promise.race([stopped, late])).toBe('stopped');
  expect(logs.filter((l) => /no kernel log capture/.test(l))).toEqual([]);
  for (let i = 0; i < 50 && (await dmesgs()) !== before; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await dmesgs()).toBe(before);
});

test('a dmesg that refuses ends the follower at once with its failing status (the capture then says so)', async () => {
  // the same command with a dmesg that fails at once, as in a container without CAP_SYSLOG
  const p = await d.spawn('h1', ['sh', '-c', FOLLOW_DMESG_FOR_TEST.replace('dmesg --follow', 'dmesg --no-such-flag')]);
  p.stdout.resume();
  p.stderr.resume();
  const r = await Promise.race([p.exited, new Promise<'hung'>((ok) => setTimeout(() => ok('hung'), 20_000).unref())]);
  expect(r === 'hung' ? r : r.code).not.toBe('hung');
  expect(r === 'hung' ? 0 : r.code).not.toBe(0);
});
