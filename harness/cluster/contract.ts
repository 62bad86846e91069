// The driver contract: one jest suite that every NodeDriver (local, ssh, docker) must pass
// against real nodes. Each case checks the effect on the node itself (the file's bytes, the
// link's flags, packets counted by the kernel), never just that a call returned.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NodeDriver, NodeInfo } from '../core';

export interface ContractCaps {
  /** nodes have rxe devices on their rails; false skips the RDMA cases, printing why */
  rdma: boolean;
  rdmaSkipReason?: string;
  /** per-case timeout (VMs under TCG are slower than namespaces) */
  timeoutMs?: number;
  /** timeout for the factory (booting, building an image) */
  setupTimeoutMs?: number;
}

export interface ContractTarget {
  driver: NodeDriver;
  /** stops what the factory started; runs after driver.close(), also when cases failed */
  teardown?: () => Promise<void>;
}

export function describeDriverContract(name: string, factory: () => Promise<ContractTarget>, caps: ContractCaps): void {
  const T = caps.timeoutMs ?? 30_000;
  describe(`${name} driver contract`, () => {
    let target: ContractTarget | undefined;
    let nodes: NodeInfo[] = [];
    const drv = (): NodeDriver => {
      if (!target) throw new Error('the driver factory failed (see beforeAll)');
      return target.driver;
    };
    const sh = async (node: string, argv: string[], stdin?: string): Promise<string> => {
      const r = await drv().exec(node, argv, { stdin, timeoutMs: T });
      if (r.code !== 0) throw new Error(`${argv.join(' ')} on ${node} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    };

    beforeAll(async () => {
      target = await factory();
      nodes = await target.driver.list();
      if (!caps.rdma) {
        console.info(`[${name} contract] RDMA cases skipped: ${caps.rdmaSkipReason ?? 'nodes have no rxe'}`);
      }
    }, caps.setupTimeoutMs ?? 300_000);

    afterAll(async () => {
      try {
        await target?.driver.close();
      } finally {
        await target?.teardown?.();
      }
    }, 120_000);

    it('list() returns ready nodes whose rails exist on the node', async () => {
      expect(nodes.length).toBeGreaterThanOrEqual(1);
      expect(new Set(nodes.map((n) => n.name)).size).toBe(nodes.length);
      for (const n of nodes) {
        expect(n.state).toBe('ready');
        expect(n.rails.length).toBeGreaterThanOrEqual(1);
        for (const [i, r] of n.rails.entries()) {
          expect(r.index).toBe(i);
          expect(r.address).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
          const addrs = await sh(n.name, ['ip', '-o', '-4', 'addr', 'show', 'dev', r.netdev]);
          expect(addrs).toContain(` ${r.address} `);
        }
      }
    }, T);

    it('exec passes every argument verbatim: no shell on the way', async () => {
      const node = nodes[0].name;
      const marker = `/tmp/rc-contract-pwned-${randomBytes(4).toString('hex')}`;
      const args = [
        'two words', "it's", '"double"', '$HOME', '${PATH}', `$(touch ${marker})`, `; touch ${marker}`,
        `\`touch ${marker}\``, `| touch ${marker}`, `&& touch ${marker}`, 'line1\nline2', 'trailing\n', '*', '',
        '\\', "'", '--', '-n', 'tab\there', 'ünïcødé ✓', `a=b`,
      ];
      const r = await drv().exec(node, ['printf', '%s\\0', ...args], { timeoutMs: T });
      expect(r.code).toBe(0);
      expect(r.stdout.split('\0').slice(0, -1)).toEqual(args);
      const probe = await drv().exec(node, ['test', '-e', marker], { timeoutMs: T });
      expect(probe.code).toBe(1);
    }, T);

    it('exec streams output before the command exits', async () => {
      const node = nodes[0].name;
      const gate = `/tmp/rc-contract-gate-${randomBytes(4).toString('hex')}`;
      // The command cannot finish until `gate` exists, and only the onStdout callback creates
      // it: without streaming this times out.
      let seen = '';
      let opened: Promise<unknown> | undefined;
      let finished = false;
      let sawFirstBeforeExit = false;
      const r = await drv().exec(
        node,
        ['sh', '-c', 'echo first; while [ ! -e "$1" ]; do sleep 0.05; done; echo second; rm -f "$1"', 'rc-stream', gate],
        {
          timeoutMs: T / 2,
          onStdout: (chunk) => {
            seen += chunk.toString();
            if (!opened && seen.includes('first\n')) {
              sawFirstBeforeExit = !finished;
              opened = drv().exec(node, ['touch', gate], { timeoutMs: T });
            }
          },
        },
      );
      finished = true;
      await opened;
      await drv().exec(node, ['rm', '-f', gate], { timeoutMs: T }); // in case the command never got there
      expect(sawFirstBeforeExit).toBe(true);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('first\nsecond\n');
      expect(seen).toBe(r.stdout);
    }, T);

    it('exec keeps stdout, stderr and the exit code apart', async () => {
      const node = nodes[0].name;
      const errs: string[] = [];
      const r = await drv().exec(node, ['sh', '-c', 'echo out; echo err >&2; exit 3'], {
        timeoutMs: T,
        onStderr: (b) => errs.push(b.toString()),
      });
      expect(r).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n' });
      expect(errs.join('')).toBe('err\n');
      const ok = await drv().exec(node, ['true'], { timeoutMs: T });
      expect(ok.code).toBe(0);
      const missing = await drv().exec(node, [`rc-no-such-command-${randomBytes(3).toString('hex')}`], { timeoutMs: T });
      expect(missing.code).not.toBe(0);
      expect(missing.code).not.toBeNull();
    }, T);

    it('exec feeds stdin and closes it (no stdin means EOF at once)', async () => {
      const node = nodes[0].name;
      const r = await drv().exec(node, ['cat'], { stdin: 'hello\nworld\n', timeoutMs: T });
      expect(r).toMatchObject({ code: 0, stdout: 'hello\nworld\n' });
      const big = randomBytes(1 << 20);
      const wc = await drv().exec(node, ['wc', '-c'], { stdin: big, timeoutMs: T });
      expect(wc.stdout.trim()).toBe(String(1 << 20));
      const empty = await drv().exec(node, ['cat'], { timeoutMs: T / 2 });
      expect(empty).toMatchObject({ code: 0, stdout: '' });
    }, T);

    it('exec timeout kills the command and its children on the node', async () => {
      const node = nodes[0].name;
      const secs = String(3000 + Math.floor(Math.random() * 5000));
      // sh forks sleep (more commands follow), so killing only sh would leave sleep behind
      const r = await drv().exec(node, ['sh', '-c', `sleep ${secs}; echo never`], { timeoutMs: 1000 });
      expect(r.code).toBeNull();
      expect(r.stdout).toBe('');
      await eventually(T / 2, async () => {
        const p = await drv().exec(node, ['pgrep', '-f', `^sleep ${secs}$`], { timeoutMs: T });
        return p.code === 1;
      });
    }, T);

    it('exec stops when its AbortSignal fires', async () => {
      const node = nodes[0].name;
      const ac = new AbortController();
      const r = drv().exec(node, ['sh', '-c', 'echo started; exec sleep 600'], {
        signal: ac.signal,
        onStdout: () => ac.abort(),
        timeoutMs: T,
      });
      await expect(r).resolves.toMatchObject({ code: null });
    }, T);

    it('spawn pipes stdio line by line; detach gives the remote side EOF', async () => {
      const node = nodes[0].name;
      const marker = `/tmp/rc-contract-eof-${randomBytes(4).toString('hex')}`;
      const p = await drv().spawn(node, [
        'sh', '-c', 'while IFS= read -r l; do printf "echo:%s\\n" "$l"; done; echo eof > "$1"', 'rc-spawn', marker,
      ]);
      const lines = lineReader(p.stdout);
      p.stdin.write('a\n');
      expect(await lines.next()).toBe('echo:a');
      p.stdin.write('b c $x\n');
      expect(await lines.next()).toBe('echo:b c $x');
      p.detach();
      await eventually(T / 2, async () => (await drv().exec(node, ['cat', marker], { timeoutMs: T })).stdout === 'eof\n');
      await p.exited;
      await sh(node, ['rm', '-f', marker]);
    }, T);

    it('spawn reports the exit code of a process that ends by itself', async () => {
      const p = await drv().spawn(nodes[0].name, ['sh', '-c', 'echo hi; echo oops >&2; exit 5']);
      const [out, err, res] = await Promise.all([readAll(p.stdout), readAll(p.stderr), p.exited]);
      expect(out).toBe('hi\n');
      expect(err).toBe('oops\n');
      expect(res.code).toBe(5);
    }, T);

    it('upload writes the exact bytes with the mode, and replaces an existing file', async () => {
      const node = nodes[0].name;
      const local = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-contract-'));
      const dir = `/tmp/rc-contract-up-${randomBytes(4).toString('hex')}`;
      try {
        await sh(node, ['mkdir', '-p', dir]);
        const remote = `${dir}/bin/tool`;
        for (const [size, mode] of [[200_001, 0o750], [3, 0o600]] as const) {
          const data = randomBytes(size);
          const f = path.join(local, `f${size}`);
          fs.writeFileSync(f, data);
          await drv().upload(node, f, remote, mode);
          expect((await sh(node, ['stat', '-c', '%a %s', remote])).trim()).toBe(`${mode.toString(8)} ${size}`);
          const sum = (await sh(node, ['sha256sum', remote])).split(' ')[0];
          expect(sum).toBe(createHash('sha256').update(data).digest('hex'));
        }
        expect((await sh(node, ['ls', '-A', `${dir}/bin`])).trim()).toBe('tool'); // no temp files left
      } finally {
        fs.rmSync(local, { recursive: true, force: true });
        await drv().exec(node, ['rm', '-rf', dir], { timeoutMs: T });
      }
    }, T);

    it('pullCable takes the rail link down on the node; restoreCable brings it back', async () => {
      const n = nodes[0];
      const rail = n.rails[0];
      const up = async (): Promise<boolean> => linkUp(await sh(n.name, ['ip', '-br', 'link', 'show', 'dev', rail.netdev]));
      expect(await up()).toBe(true);
      await drv().restoreCable(n.name, 0); // restoring a healthy rail is a no-op
      expect(await up()).toBe(true);
      try {
        await drv().pullCable(n.name, 0);
        await eventually(T / 2, async () => !(await up()));
      } finally {
        await drv().restoreCable(n.name, 0);
      }
      await eventually(T / 2, up);
      expect(await sh(n.name, ['ip', '-o', '-4', 'addr', 'show', 'dev', rail.netdev])).toContain(` ${rail.address} `);
    }, T);

    it('nft rules applied on a node drop UDP 4791 for real, and removing them heals', async () => {
      const recv = nodes[0];
      const send = nodes[1] ?? nodes[0];
      const dst = recv.rails[0].address.split('/')[0];
      const sfx = randomBytes(3).toString('hex');
      const obs = `rcobs${sfx}`;
      const fault = `rcfault${sfx}`;
      const N = 20;
      // observer after the filter priority: it counts only what the fault chain let through
      const table = (t: string, prio: number, verdict: string): string =>
        `table inet ${t} {\n chain c {\n  type filter hook input priority ${prio}; policy accept;\n  udp dport 4791 counter ${verdict}\n }\n}\n`;
      const count = async (t: string): Promise<number> => {
        const m = /counter packets (\d+)/.exec(await sh(recv.name, ['nft', 'list', 'table', 'inet', t]));
        return m ? Number(m[1]) : NaN;
      };
      const blast = (k: number): Promise<string> =>
        sh(send.name, ['bash', '-c', 'for i in $(seq "$2"); do printf x > /dev/udp/"$1"/4791; done', 'rc-blast', dst, String(k)]);
      await sh(recv.name, ['nft', '-f', '-'], table(obs, 10, ''));
      try {
        await blast(1); // resolves ARP first
        await eventually(T / 4, async () => (await count(obs)) >= 1);
        let before = await count(obs);
        await blast(N);
        await eventually(T / 4, async () => (await count(obs)) - before === N);

        await sh(recv.name, ['nft', '-f', '-'], table(fault, 0, 'drop'));
        before = await count(obs);
        await blast(N);
        await eventually(T / 4, async () => (await count(fault)) === N);
        expect((await count(obs)) - before).toBe(0);

        await sh(recv.name, ['nft', 'delete', 'table', 'inet', fault]);
        expect(await sh(recv.name, ['nft', 'list', 'tables'])).not.toContain(fault);
        before = await count(obs);
        await blast(N);
        await eventually(T / 4, async () => (await count(obs)) - before === N);
      } finally {
        await drv().exec(recv.name, ['nft', 'delete', 'table', 'inet', fault], { timeoutMs: T });
        await drv().exec(recv.name, ['nft', 'delete', 'table', 'inet', obs], { timeoutMs: T });
      }
    }, T);

    it('exec on an unknown node is bad input (254)', async () => {
      await expect(drv().exec('rc-no-such-node', ['true'])).rejects.toMatchObject({ code: 'cluster.unknownNode', exitCode: 254 });
    }, T);

    const rdmaIt = caps.rdma ? it : it.skip;
    const why = caps.rdma ? '' : ` [skipped: ${caps.rdmaSkipReason ?? 'no rxe'}]`;
    rdmaIt(`every rail has an ACTIVE rxe device${why}`, async () => {
      for (const n of nodes) {
        const links = await sh(n.name, ['rdma', 'link', 'show']);
        for (const r of n.rails) {
          expect(r.rdmaDevice).toBeDefined();
          expect(links).toMatch(new RegExp(`^link ${r.rdmaDevice}/\\d+ state ACTIVE .*netdev ${r.netdev}\\b`, 'm'));
          if (r.portState !== undefined) expect(r.portState).toBe('ACTIVE');
        }
      }
    }, T);
  });
}

/** `ip -br link` line -> carrier and admin state both up */
function linkUp(brief: string): boolean {
  const [, state, , flags = ''] = brief.trim().split(/\s+/);
  return state !== 'DOWN' && /\bLOWER_UP\b/.test(flags) && /[<,]UP[,>]/.test(flags);
}

async function eventually(ms: number, cond: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readAll(s: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    s.on('data', (b: Buffer) => (out += b.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

function lineReader(s: NodeJS.ReadableStream): { next(): Promise<string> } {
  let buf = '';
  const waiting: Array<(l: string) => void> = [];
  const lines: string[] = [];
  s.on('data', (b: Buffer) => {
    buf += b.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiting.shift();
      if (w) w(l);
      else lines.push(l);
    }
  });
  return {
    next: () => {
      const l = lines.shift();
      return l !== undefined ? Promise.resolve(l) : new Promise((r) => waiting.push(r));
    },
  };
}
