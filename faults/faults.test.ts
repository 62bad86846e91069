// Every agent-side fault's rules are real: loaded into nftables (or checked by tc/ip argv
// shape) in a scratch network namespace on this host, then removed.
import { execFileSync, spawnSync } from 'node:child_process';
import type { ControllerOps, FaultRules, FaultWindow, ProbePath, TargetInfo } from '../harness/core';
import { faultEffects, faultPackage, seededRate, type FaultTarget } from '.';

const target: TargetInfo = {
  node: 'node2',
  rails: [
    { rail: 0, netdev: 'data0', ip: '10.77.0.2', device: 'rxe0' },
    { rail: 1, netdev: 'data1', ip: '10.78.0.2', device: 'rxe1' },
  ],
  peers: [{ node: 'node1', rails: [{ rail: 0, netdev: 'data0', ip: '10.77.0.1' }, { rail: 1, netdev: 'data1', ip: '10.78.0.1' }] }],
};

/** the rules a kind installs through the package interface, or the controller calls it makes */
async function applied(kind: string, params: Record<string, unknown>, id = 't1', seed = 42): Promise<{ rules?: FaultRules; calls: string[]; phase: string }> {
  const pkg = faultPackage(kind);
  const calls: string[] = [];
  const rec = (name: string) => async (...a: unknown[]) => void calls.push(`${name} ${a.join(' ')}`);
  const ops: ControllerOps = { pullCable: rec('pullCable'), restoreCable: rec('restoreCable'), crashNode: rec('crashNode'), panicNode: rec('panicNode'), restartNode: rec('restartNode'), signalAgent: rec('signalAgent'), read: async () => 'down', agentState: async () => 'T', nodeState: async () => 'down' };
  let rules: FaultRules | undefined;
  const t: FaultTarget = { id, info: target, seed, ops, rules: { install: async (r) => void (rules = r), remove: async () => void calls.push('remove') }, observe: () => undefined, tookEffect: () => undefined };
  const phase = await pkg.apply(t, pkg.params.parse(params));
  return { ...(rules ? { rules } : {}), calls, phase };
}

const NS = `rc-faults-${process.pid}`;
const haveNetns = spawnSync('ip', ['netns', 'add', NS]).status === 0;
afterAll(() => {
  if (haveNetns) spawnSync('ip', ['netns', 'del', NS]);
});

const cases: [string, Record<string, unknown>][] = [
  ['packet-loss', { rate: 20 }],
  ['packet-loss', { count: 5, rails: [0] }],
  ['ack-loss', {}],
  ['ack-loss', { mode: 'rate', rate: 50, qpn: 17, opcodes: ['atomic-ack'] }],
  ['partition', {}],
  ['partition', { from: ['node1'] }],
];

describe('agent-side fault rules', () => {
  it.each(cases)('%s %j loads into nftables and deletes cleanly', async (kind, params) => {
    if (!haveNetns) throw new Error('cannot create a network namespace here (need root and iproute2)');
    expect(faultPackage(kind).side(faultPackage(kind).params.parse(params))).toBe('agent');
    const { rules: spec, phase } = await applied(kind, params);
    expect(phase).toBe('Injected');
    expect(spec!.nft).toMatch(/^table inet rdma_chaos_t1 /);
    execFileSync('ip', ['netns', 'exec', NS, 'nft', '-f', '-'], { input: spec!.nft });
    const listed = execFileSync('ip', ['netns', 'exec', NS, 'nft', 'list', 'table', 'inet', 'rdma_chaos_t1'], { encoding: 'utf8' });
    expect(listed).toMatch(/drop|counter/);
    execFileSync('ip', ['netns', 'exec', NS, 'nft', 'delete', 'table', 'inet', 'rdma_chaos_t1']);
  });

  it('ack-loss matches ACK, atomic ACK and read-response opcodes, and a QPN when given', async () => {
    expect((await applied('ack-loss', {})).rules!.nft).toContain('@th,64,8 { 0x11, 0x12, 0x0d-0x10 }');
    expect((await applied('ack-loss', { qpn: 0x11 })).rules!.nft).toContain('@th,104,24 0x000011');
  });

  it('seeded loss is reproducible and has the asked share', () => {
    expect(seededRate(20, 7)).toBe(seededRate(20, 7));
    expect(seededRate(20, 7)).not.toBe(seededRate(20, 8));
    expect(seededRate(20, 7).match(/\{ (.*) \}/)![1]!.split(', ')).toHaveLength(20);
  });

  it('nic-failover in the node brings the rail down and back; rdma-link-del re-adds rxe on its netdev; a cable pull is the controller\'s', async () => {
    expect((await applied('nic-failover', { method: 'link-down' }, 'n')).rules).toEqual({ id: 'n', apply: [['ip', 'link', 'set', 'data0', 'down']], clear: [['ip', 'link', 'set', 'data0', 'up']], readings: { link: ['cat', '/sys/class/net/data0/operstate'] } });
    expect((await applied('nic-failover', { method: 'rdma-link-del', rail: 1 }, 'n')).rules!.clear).toEqual([['rdma', 'link', 'add', 'rxe1', 'type', 'rxe', 'netdev', 'data1']]);
    const cable = await applied('nic-failover', { method: 'cable' });
    expect(cable.rules).toBeUndefined();
    expect(cable.calls).toEqual(['pullCable node2 0']);
  });

  it('delay builds netem commands for each rail', async () => {
    const spec = (await applied('delay', { delay: '20ms', jitter: '5ms' }, 'd')).rules!;
    expect(spec.apply).toEqual([
      ['tc', 'qdisc', 'replace', 'dev', 'data0', 'root', 'netem', 'delay', '20ms', '5ms'],
      ['tc', 'qdisc', 'replace', 'dev', 'data1', 'root', 'netem', 'delay', '20ms', '5ms'],
    ]);
  });
});

describe('controller-side faults', () => {
  /** records which controller power a fault used */
  const recorder = (): { calls: string[]; ops: ControllerOps } => {
    const calls: string[] = [];
    const rec = (name: string) => async (...a: unknown[]) => void calls.push(`${name} ${a.join(' ')}`);
    return {
      calls,
      ops: { pullCable: rec('pullCable'), restoreCable: rec('restoreCable'), crashNode: rec('crashNode'), panicNode: rec('panicNode'), restartNode: rec('restartNode'), signalAgent: rec('signalAgent'), read: async () => 'down', agentState: async () => 'T', nodeState: async () => 'down' },
    };
  };

  it('crash kills the VM by default and restarts it; method panic panics the kernel; restart: false leaves it down', async () => {
    const pkg = faultPackage('crash');
    expect(pkg.side(pkg.params.parse({}))).toBe('controller');
    for (const [params, want] of [
      [{}, ['crashNode node2', 'restartNode node2']],
      [{ method: 'panic' }, ['panicNode node2', 'restartNode node2']],
      [{ method: 'panic', restart: false }, ['panicNode node2']],
    ] as const) {
      const r = recorder();
      const p = pkg.params.parse(params);
      const t: FaultTarget = { id: 'c', info: target, seed: 0, ops: r.ops, rules: { install: async () => undefined, remove: async () => undefined }, observe: () => undefined, tookEffect: () => undefined };
      expect(await pkg.apply(t, p)).toBe('Injected');
      expect(await pkg.recover(t, p)).toBe('NotInjected');
      expect(r.calls).toEqual(want);
    }
    expect(() => pkg.params.parse({ method: 'reboot' })).toThrow();
  });
});


const w = (id: string, kind: string, node: string, params: Record<string, unknown>): FaultWindow => ({ id, kind, targets: [node], params: params as FaultWindow['params'] });
const p = (from: string, to: string, rail: number): ProbePath => ({ from, to, rail });

describe('what each kind does to a fabric probe (the health watchdog asks)', () => {
  const n1n2r0 = p('node1', 'node2', 0);
  test.each<[string, FaultWindow, ProbePath, boolean]>([
    ['a crash cuts every path to and from its node', w('c', 'crash', 'node2', {}), n1n2r0, true],
    ['a crash elsewhere does not', w('c', 'crash', 'node3', {}), n1n2r0, false],
    ['a partition from everyone cuts', w('p', 'partition', 'node1', {}), n1n2r0, true],
    ['a partition from the other end cuts', w('p', 'partition', 'node2', { from: ['node1'] }), n1n2r0, true],
    ['a partition from a third node does not', w('p', 'partition', 'node2', { from: ['node3'] }), n1n2r0, false],
    ['a cable pull on that rail cuts', w('f', 'nic-failover', 'node2', { method: 'cable', rail: 0 }), n1n2r0, true],
    ['a link down on the default rail 0 cuts', w('f', 'nic-failover', 'node1', { method: 'link-down' }), n1n2r0, true],
    ['a cable pull on the other rail does not', w('f', 'nic-failover', 'node2', { method: 'cable', rail: 1 }), n1n2r0, false],
    ['rdma-link-del keeps the IP link: does not', w('f', 'nic-failover', 'node2', { method: 'rdma-link-del', rail: 0 }), n1n2r0, false],
    ['packet-loss matches RoCEv2 only: does not', w('l', 'packet-loss', 'node2', { rate: 100 }), n1n2r0, false],
    ['ack-loss matches RoCEv2 only: does not', w('a', 'ack-loss', 'node1', { mode: 'blackout' }), n1n2r0, false],
    ['pause stops the agent, not the NIC: does not', w('z', 'pause', 'node1', {}), n1n2r0, false],
    ['an unknown kind does not', w('u', 'mystery', 'node1', {}), n1n2r0, false],
    ['a small netem delay does not', w('d', 'delay', 'node1', { delay: '10ms' }), n1n2r0, false],
    ['netem holding packets for half the threshold cuts', w('d', 'delay', 'node1', { delay: '3s', jitter: '1s' }), n1n2r0, true],
    ['netem dropping most packets cuts', w('d', 'delay', 'node1', { delay: '1ms', loss: 60 }), n1n2r0, true],
    ['netem on the other rail does not', w('d', 'delay', 'node1', { delay: '5s', rails: [1] }), n1n2r0, false],
  ])('%s', (_, f, path, want) => {
    expect(faultEffects.cutsProbe(f, path, 8000)).toBe(want);
  });
  test('only a crash takes its node away', () => {
    expect(faultEffects.takesNodeAway(w('c', 'crash', 'node2', {}))).toBe(true);
    expect(faultEffects.takesNodeAway(w('z', 'pause', 'node2', {}))).toBe(false);
  });
});
