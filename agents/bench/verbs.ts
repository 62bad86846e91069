// npm run bench:verbs [-- --cluster SPEC --nodes TARGET,CLIENT --rounds 3 -n 20000 --depth 128 --qp-timeout 14]
// perftest's ib_atomic_bw (FETCH_AND_ADD, CMP_AND_SWAP; -x 1) against the agent's FADD/CAS
// workload with history recording on, on the same two nodes, alternating in one run. Prints
// ops/s for each and the ratio. Anchor (recipe, TCG): 20.7k FADD/s, 22.5k CAS/s; target >= 0.9x.
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openDriver } from '../../harness/cluster';
import type { HistoryEvent, NodeDriver } from '../../harness/core';
import { AgentClient } from '../client';
import { nonePolicy } from '../failover';
import type { OpDescriptor } from '../ops';
import { connectPeers } from '../peers';

interface Args {
  cluster: string;
  nodes?: [string, string];
  rounds: number;
  n: number;
  depth: number;
  spin?: number;
  /** QP ACK timeout exponent for both perftest (-u) and the agent; default: perftest's 14 */
  qpTimeout: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { cluster: 'local', rounds: 3, n: 20000, depth: 128, qpTimeout: 14 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--cluster': a.cluster = v!; i++; break;
      case '--nodes': a.nodes = v!.split(',') as [string, string]; i++; break;
      case '--rounds': a.rounds = Number(v); i++; break;
      case '-n': a.n = Number(v); i++; break;
      case '--depth': a.depth = Number(v); i++; break;
      case '--spin': a.spin = Number(v); i++; break;
      case '--qp-timeout': a.qpTimeout = Number(v); i++; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return a;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};
const k = (x: number): string => (Number.isFinite(x) ? `${(x / 1000).toFixed(1)}k` : 'n/a');
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

async function perftest(driver: NodeDriver, target: string, client: string, ip: string, op: string, n: number, qpTimeout: number): Promise<number> {
  const argv = ['timeout', '120', 'ib_atomic_bw', '-d', 'rxe0', '-x', '1', '-A', op, '-n', String(n), '-u', String(qpTimeout)];
  for (let attempt = 0; attempt < 3; attempt++) {
    const server = driver.exec(target, argv, { timeoutMs: 130_000 });
    await sleep(2500); // the server must listen before the client connects (TCG is slow to start it)
    const c = await driver.exec(client, [...argv, ip], { timeoutMs: 130_000 });
    await server;
    const m = new RegExp(`^\\s*8\\s+${n}\\s+\\S+\\s+\\S+\\s+(\\S+)`, 'm').exec(c.stdout);
    if (m) return Number(m[1]) * 1e6;
    process.stderr.write(`perftest ${op} attempt ${attempt + 1} gave no figure: ${(c.stderr || c.stdout).trim().split('\n').slice(-2).join(' | ')}\n`);
  }
  return NaN;
}

function workload(op: 'fadd' | 'cas', n: number): OpDescriptor[] {
  // FADD: unique deltas (the counter workload's shape); CAS: values tagged by op id
  return Array.from({ length: n }, (_, i) =>
    op === 'fadd' ? { f: 'fadd', region: 'bench', offset: 0, value: BigInt(i + 1) } : { f: 'cas', region: 'bench', offset: 8, expect: BigInt(i), value: BigInt(i + 1) },
  );
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const driver = await openDriver(a.cluster);
  const nodes = a.nodes ?? ((await driver.list()).map((x) => x.name).slice(0, 2) as [string, string]);
  if (nodes.length < 2) throw new Error('the bench needs two nodes');
  const [targetNode, clientNode] = nodes;
  const out = mkdtempSync(path.join(tmpdir(), 'rc-bench-verbs-'));
  const history = createWriteStream(path.join(out, 'history.jsonl'));
  const target = await AgentClient.start({ driver, node: targetNode, processBase: 1_000_000 });
  const client = await AgentClient.start({ driver, node: clientNode, processBase: 0 });
  let written = 0;
  client.on('history', (evs: HistoryEvent[]) => {
    for (const e of evs) history.write(JSON.stringify(e) + '\n');
    written += evs.length;
  });
  try {
    await target.registerMemory('bench', 4096);
    // perftest uses rxe's full read/atomic depth; so do we (retryCnt 7 and timeout 14, as perftest)
    await connectPeers(client, target, { rails: [0], sendDepth: Math.max(a.depth, 128), settings: { maxRdAtomic: 128, maxDestRdAtomic: 128, timeout: a.qpTimeout } });
    const gid = target.info!.rails.find((r) => r.rail === 0)!.gids.find((g) => g.gid.startsWith('::ffff:'));
    if (!gid) throw new Error(`${targetNode}: rail 0 has no IPv4-mapped GID`);
    const ip = gid.gid.slice('::ffff:'.length);
    const which = await driver.exec(clientNode, ['sh', '-c', 'command -v ib_atomic_bw']);
    if (which.code !== 0) throw new Error(`${clientNode}: perftest (ib_atomic_bw) is not installed`);
    const res: Record<'fadd' | 'cas', { perf: number[]; loop: number[]; wall: number[] }> = { fadd: { perf: [], loop: [], wall: [] }, cas: { perf: [], loop: [], wall: [] } };
    process.stdout.write(`bench:verbs  ${a.cluster}  target ${targetNode}  client ${clientNode}  n=${a.n} depth=${a.depth} qp-timeout=${a.qpTimeout}  rounds=${a.rounds}\n`);
    process.stdout.write('round  op    perftest   agent(loop)  agent(wall)  ratio\n');
    let slice = 0;
    for (let r = 1; r <= a.rounds; r++) {
      for (const op of ['fadd', 'cas'] as const) {
        const perf = await perftest(driver, targetNode, clientNode, ip, op === 'fadd' ? 'FETCH_AND_ADD' : 'CMP_AND_SWAP', a.n, a.qpTimeout);
        const ops = workload(op, a.n);
        const t0 = process.hrtime.bigint();
        const s = await client.runSlice({ slice: `bench-${slice++}`, peer: targetNode, policy: nonePolicy.name, ops, depth: a.depth, ...(a.spin !== undefined ? { spin: a.spin } : {}) });
        const wallNs = Number(process.hrtime.bigint() - t0);
        if (s.ok !== a.n) throw new Error(`agent ${op}: only ${s.ok}/${a.n} ops ok`);
        const loop = a.n / (Number(BigInt(s.lastDoneNs) - BigInt(s.firstPostNs)) / 1e9);
        const wall = a.n / (wallNs / 1e9);
        res[op].perf.push(perf);
        res[op].loop.push(loop);
        res[op].wall.push(wall);
        process.stdout.write(`${String(r).padEnd(6)} ${op.padEnd(5)} ${k(perf).padStart(8)}   ${k(loop).padStart(10)}   ${k(wall).padStart(10)}   ${(loop / perf).toFixed(2)}x\n`);
      }
    }
    process.stdout.write('\nmedians (ops/s)   perftest   agent(loop)  agent(wall)  ratio(loop)  ratio(wall)  anchor(recipe perftest)\n');
    for (const op of ['fadd', 'cas'] as const) {
      const p = median(res[op].perf);
      const l = median(res[op].loop);
      const w = median(res[op].wall);
      process.stdout.write(`${op.padEnd(16)} ${k(p).padStart(9)}   ${k(l).padStart(10)}   ${k(w).padStart(10)}   ${(l / p).toFixed(2)}x        ${(w / p).toFixed(2)}x        ${op === 'fadd' ? '20.7k' : '22.5k'}\n`);
    }
    process.stdout.write(`\nagent(loop): first post to last completion, perftest's own definition; agent(wall): the controller's\n` +
      `runSlice call to its answer, including shipping the ops and streaming the history.\n` +
      `history: ${written} events written to ${path.join(out, 'history.jsonl')}\n`);
  } finally {
    await Promise.all([client.shutdown(), target.shutdown()]);
    await new Promise((ok) => history.end(ok));
    await driver.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:verbs: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
