// A private Docker engine for tests: Debian's dockerd in its own network namespace (its
// iptables and forwarding changes stay out of the host's), with data-root, exec-root, socket
// and pidfile in a temp directory. Stopped by PID; its containerd and shims are found by the
// temp directory in their command lines.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Dockerode from 'dockerode';
import { must, run, waitFor } from './host';
import { Fixture, sweepStale } from './registry';

export interface Dockerd {
  id: string;
  netns: string;
  dir: string;
  socket: string;
  /** `unix://<socket>`, what openDriver('docker:...') takes */
  host: string;
  pid: number;
  docker: Dockerode;
  stop(): Promise<void>;
}

export async function startDockerd(): Promise<Dockerd> {
  await sweepStale();
  const which = await run('sh', ['-c', 'command -v dockerd']);
  if (which.code !== 0) throw new Error('dockerd is not installed (rdma-chaos setup installs docker.io)');
  const id = randomBytes(3).toString('hex');
  const fx = new Fixture(`dock-${id}`);
  try {
    return await build(fx, id);
  } catch (e: unknown) {
    await fx.teardown();
    throw e;
  }
}

async function build(fx: Fixture, id: string): Promise<Dockerd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rc-dock-${id}-`));
  fx.add('dirs', dir);
  fx.add('cmdlineMarkers', `${dir}/`);
  const ns = `rc-dock-${id}`;
  await must('ip', ['netns', 'add', ns]);
  fx.add('netns', ns);
  await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const socket = path.join(dir, 'docker.sock');
  const log = fs.openSync(path.join(dir, 'dockerd.log'), 'a');
  // nsenter execs dockerd in place: the child's PID is dockerd's
  const child = spawn(
    'nsenter',
    [
      `--net=/run/netns/${ns}`,
      'dockerd',
      '--data-root', path.join(dir, 'data'),
      '--exec-root', path.join(dir, 'exec'),
      '-H', `unix://${socket}`,
      '--pidfile', path.join(dir, 'dockerd.pid'),
      '--log-level', 'warn',
    ],
    { stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error('cannot start dockerd');
  child.unref();
  fx.addPid(pid, dir);
  const docker = new Dockerode({ socketPath: socket });
  await waitFor('dockerd to answer', 30_000, async () => {
    if (child.exitCode !== null) {
      const tail = fs.readFileSync(path.join(dir, 'dockerd.log'), 'utf8').trim().split('\n').slice(-3).join(' | ');
      throw new Error(`dockerd exited with ${child.exitCode}: ${tail}`);
    }
    if (!fs.existsSync(socket)) return false;
    try {
      await docker.ping();
      return true;
    } catch {
      return false;
    }
  });
  return {
    id,
    netns: ns,
    dir,
    socket,
    host: `unix://${socket}`,
    pid,
    docker,
    stop: async () => {
      const problems = await fx.teardown();
      if (problems.length) throw new Error(`dockerd fixture teardown left: ${problems.join('; ')}`);
    },
  };
}

/** What of fixture `dir`/`netns` is still there: processes, netns, mounts. */
export async function dockerdLeftovers(d: Pick<Dockerd, 'dir' | 'netns'>): Promise<string[]> {
  const out: string[] = [];
  const ps = await run('ps', ['-eo', 'pid,stat,args']);
  out.push(...ps.stdout.split('\n').filter((l) => l.includes(`${d.dir}/`) && !/\sZ/.test(l)));
  const ns = await run('ip', ['netns', 'list']);
  out.push(...ns.stdout.split('\n').filter((l) => l.split(' ')[0] === d.netns));
  out.push(...fs.readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.includes(d.dir)));
  if (fs.existsSync(d.dir)) out.push(`directory ${d.dir}`);
  return out;
}
