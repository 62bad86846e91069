// Repair planning (pure) and the repair sequence against a scripted driver: re-create frozen
// rails, restart named nodes, verify every ring path, escalate to every node once, and say
// plainly what could not be repaired.
import type { ExecResult, NodeDriver, NodeInfo, RemoteProcess } from '../core';
import { canRestart, planRepair, repairCluster, verifyFabric, type RestartingDriver } from './repair';
import type { ProbeTarget } from './watchdog';

const targets: ProbeTarget[] = ['node1', 'node2', 'node3'].map((node, i) => ({
  node,
  rails: [0, 1].map((rail) => ({ rail, netdev: `data${rail}`, ip: `10.${77 + rail}.0.${i + 1}` })),
}));

describe('planRepair', () => {
  const end = (node: string, o: { troubled?: boolean; dead?: boolean; rebootedSince?: boolean } = {}) => ({ node, troubled: false, dead: false, ...o });

  test('a healthy end needs nothing', () => {
    expect(planRepair(undefined, [end('node1'), end('node2')])).toEqual({ plan: { rails: [], nodes: [] }, notes: [] });
  });

  test('the trip names rails and nodes; a dead or troubled node is added once, with a note', () => {
    const r = planRepair({ rails: [0], nodes: ['node2'] }, [end('node1', { dead: true }), end('node2', { dead: true }), end('node3', { troubled: true })]);
    expect(r.plan).toEqual({ rails: [0], nodes: ['node2', 'node1', 'node3'] });
    expect(r.notes).toEqual([
      'node1 was down at the end of the run: restarting it for the next campaign',
      'node3 hit kernel trouble: restarting it for the next campaign',
    ]);
  });

  test('a node that panicked and was already booted again (crash fault with restart) is left alone; a dead one is not', () => {
    expect(planRepair(undefined, [end('node3', { troubled: true, rebootedSince: true })]).plan.nodes).toEqual([]);
    const r = planRepair(undefined, [end('node3', { troubled: true, dead: true })]);
    expect(r.plan.nodes).toEqual(['node3']);
    expect(r.notes[0]).toBe('node3 hit kernel trouble and was down at the end of the run: restarting it for the next campaign');
  });
});

/** A driver whose pings fail for the (from, ip) pairs in `broken` until a repair clears them. */
class FakeDriver implements RestartingDriver {
  readonly kind = 'local' as const;
  calls: string[] = [];
  broken = new Set<string>();
  /** what each repair action fixes */
  fixes: { rail?: Map<number, string[]>; nodes?: Map<string, string[]>; all?: string[] } = {};
  nodesRestartedByRail = true;
  failRestart?: string;

  async list(): Promise<NodeInfo[]> {
    return [];
  }
  async exec(node: string, argv: string[]): Promise<ExecResult> {
    const pairs = argv.slice(argv.indexOf('rc-verify') + 1);
    let out = '';
    for (let i = 0; i + 1 < pairs.length; i += 2) if (this.broken.has(`${node}>${pairs[i + 1]}`)) out += `fail ${pairs[i + 1]}\n`;
    return { code: out ? 1 : 0, stdout: out, stderr: '' };
  }
  spawn(): Promise<RemoteProcess> {
    throw new Error('not used');
  }
  async upload(): Promise<void> {}
  async pullCable(): Promise<void> {}
  async restoreCable(): Promise<void> {}
  async close(): Promise<void> {}
  async restartNodes(nodes: readonly string[]): Promise<void> {
    this.calls.push(`restart ${nodes.join(',')}`);
    if (this.failRestart) throw new Error(this.failRestart);
    for (const n of nodes) for (const k of this.fixes.nodes?.get(n) ?? []) this.broken.delete(k);
    if (nodes.length === 3) for (const k of this.fixes.all ?? []) this.broken.delete(k);
  }
  async recreateFabric(rail: number): Promise<{ nodesRestarted: boolean }> {
    this.calls.push(`recreate ${rail}`);
    for (const k of this.fixes.rail?.get(rail) ?? []) this.broken.delete(k);
    return { nodesRestarted: this.nodesRestartedByRail };
  }
}

const rail0 = ['node1>10.77.0.2', 'node2>10.77.0.3', 'node3>10.77.0.1'];

describe('repairCluster', () => {
  test('a frozen rail is re-created (its nodes restarted with it), then every path is verified', async () => {
    const d = new FakeDriver();
    d.broken = new Set(rail0);
    d.fixes.rail = new Map([[0, rail0]]);
    const r = await repairCluster(d, { rails: [0], nodes: ['node2'] }, targets, () => undefined);
    // the vde rail restarted every node: node2 is not restarted a second time
    expect(d.calls).toEqual(['recreate 0']);
    expect(r).toEqual({ repaired: true, actions: ['re-created rail 0 and restarted every node on it', 'every rail answers again'] });
  });

  test('a backend that re-attaches in place: the named nodes are still restarted', async () => {
    const d = new FakeDriver();
    d.nodesRestartedByRail = false;
    const r = await repairCluster(d, { rails: [1], nodes: ['node2'] }, targets, () => undefined);
    expect(d.calls).toEqual(['recreate 1', 'restart node2']);
    expect(r.actions).toEqual(['re-created rail 1', 'restarted node2', 'every rail answers again']);
  });

  test('a frozen rail first taken for one silent node: restarting it does not help, so the rail is re-created', async () => {
    const d = new FakeDriver();
    d.broken = new Set(rail0);
    d.fixes.rail = new Map([[0, rail0]]);
    const r = await repairCluster(d, { rails: [], nodes: ['node1'] }, targets, () => undefined);
    expect(d.calls).toEqual(['restart node1', 'recreate 0']);
    expect(r).toEqual({ repaired: true, actions: ['restarted node1', 're-created rail 0 and restarted every node on it', 'every rail answers again'] });
  });

  test('still failing after the first repair: every node is restarted once, then it says what still fails', async () => {
    const d = new FakeDriver();
    d.broken = new Set(['node2>10.78.0.3']);
    d.fixes.all = ['node2>10.78.0.3'];
    d.nodesRestartedByRail = false;
    const r = await repairCluster(d, { rails: [], nodes: ['node3'] }, targets, () => undefined);
    // rail 1 still failed: re-created in place, then every node restarted
    expect(d.calls).toEqual(['restart node3', 'recreate 1', 'restart node1,node2,node3']);
    expect(r.repaired).toBe(true);

    const stuck = new FakeDriver();
    stuck.broken = new Set(['node2>10.78.0.3']);
    const s = await repairCluster(stuck, { rails: [1], nodes: [] }, targets, () => undefined);
    expect(stuck.calls).toEqual(['recreate 1', 'restart node1,node2,node3']);
    expect(s.repaired).toBe(false);
    expect(s.actions[s.actions.length - 1]).toBe('still failing: node2 -> node3 on rail 1');
  });

  test('a restart that throws is a failed repair, not a crash of the run', async () => {
    const d = new FakeDriver();
    d.failRestart = 'node3: qemu did not start';
    const r = await repairCluster(d, { rails: [], nodes: ['node3'] }, targets, () => undefined);
    expect(r).toEqual({ repaired: false, actions: ['repair failed: node3: qemu did not start'] });
  });

  test('a driver that cannot restart reports what to repair by hand', async () => {
    const ssh = { kind: 'ssh' } as unknown as NodeDriver;
    expect(canRestart(ssh)).toBe(false);
    const r = await repairCluster(ssh, { rails: [0], nodes: ['node2'] }, targets, () => undefined);
    expect(r).toEqual({ repaired: false, actions: ['the ssh driver cannot restart nodes or fabrics: repair rail 0, node2 by hand'] });
  });
});

test('verifyFabric: one command per node with its ring paths; a timeout or an exec error is a failure', async () => {
  const d = new FakeDriver();
  d.broken = new Set(['node1>10.77.0.2']);
  expect(await verifyFabric(d, targets)).toEqual([{ text: 'node1 -> node2 on rail 0', rail: 0 }]);
  const dead = new FakeDriver();
  dead.exec = async (node: string) => {
    if (node === 'node2') throw new Error('node2: SSH connection refused');
    if (node === 'node3') return { code: null, stdout: '', stderr: '' };
    return { code: 0, stdout: '', stderr: '' };
  };
  expect((await verifyFabric(dead, targets)).map((b) => b.text).sort()).toEqual(['node2: node2: SSH connection refused', 'node3: verification timed out']);
});
