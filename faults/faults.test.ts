// Every agent-side fault's rules are real: loaded into nftables (or checked by tc/ip argv
// shape) in a scratch network namespace on this host, then removed.
import { execFileSync, spawnSync } from 'node:child_process';
import { faultPackage, FAULT_KINDS, type ControllerOps, type TargetInfo } from '.';
import { seededRate } from './nft';

const target: TargetInfo = {
  node: 'node2',
  rails: [
    { rail: 0, netdev: 'data0', ip: '10.77.0.2', device: 'rxe0' },
    { rail: 1, netdev: 'data1', ip: '10.78.0.2', device: 'rxe1' },
  ],
  peers: [{ node: 'node1', rails: [{ rail: 0, netdev: 'data0', ip: '10.77.0.1' }, { rail: 1, netdev: 'data1', ip: '10.78.0.1' }] }],
};

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
  it.each(cases)('%s %j loads into nftables and deletes cleanly', (kind, params) => {
    if (!haveNetns) throw new Error('cannot create a network namespace here (need root and iproute2)');
    const pkg = faultPackage(kind as (typeof FAULT_KINDS)[number], params);
    if (pkg.side !== 'agent') throw new Error('expected an agent fault');
    const spec = pkg.spec('t1', target, pkg.params.parse(params), 42);
    expect(spec.nft).toMatch(/^table inet rdma_chaos_t1 /);
    execFileSync('ip', ['netns', 'exec', NS, 'nft', '-f', '-'], { input: spec.nft });
    const listed = execFileSync('ip', ['netns', 'exec', NS, 'nft', 'list', 'table', 'inet', 'rdma_chaos_t1'], { encoding: 'utf8' });
    expect(listed).toMatch(/drop|counter/);
    execFileSync('ip', ['netns', 'exec', NS, 'nft', 'delete', 'table', 'inet', 'rdma_chaos_t1']);
  });

  it('ack-loss matches ACK, atomic ACK and read-response opcodes, and a QPN when given', () => {
    const pkg = faultPackage('ack-loss', {});
    if (pkg.side !== 'agent') throw new Error('agent fault');
    expect(pkg.spec('a', target, pkg.params.parse({}), 1).nft).toContain('@th,64,8 { 0x11, 0x12, 0x0d-0x10 }');
    expect(pkg.spec('a', target, pkg.params.parse({ qpn: 0x11 }), 1).nft).toContain('@th,104,24 0x000011');
  });

  it('seeded loss is reproducible and has the asked share', () => {
    expect(seededRate(20, 7)).toBe(seededRate(20, 7));
    expect(seededRate(20, 7)).not.toBe(seededRate(20, 8));
    expect(seededRate(20, 7).match(/\{ (.*) \}/)![1]!.split(', ')).toHaveLength(20);
  });

  it('nic-failover in the node brings the rail down and back; rdma-link-del re-adds rxe on its netdev', () => {
    const down = faultPackage('nic-failover', { method: 'link-down' });
    const del = faultPackage('nic-failover', { method: 'rdma-link-del' });
    if (down.side !== 'agent' || del.side !== 'agent') throw new Error('agent faults');
    expect(down.spec('n', target, down.params.parse({ method: 'link-down' }), 0)).toEqual({ id: 'n', apply: [['ip', 'link', 'set', 'data0', 'down']], clear: [['ip', 'link', 'set', 'data0', 'up']] });
    expect(del.spec('n', target, del.params.parse({ method: 'rdma-link-del', rail: 1 }), 0).clear).toEqual([['rdma', 'link', 'add', 'rxe1', 'type', 'rxe', 'netdev', 'data1']]);
    expect(faultPackage('nic-failover', { method: 'cable' }).side).toBe('controller');
  });

  it('delay builds netem commands for each rail', () => {
    const pkg = faultPackage('delay', {});
    if (pkg.side !== 'agent') throw new Error('agent fault');
    const spec = pkg.spec('d', target, pkg.params.parse({ delay: '20ms', jitter: '5ms' }), 0);
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
      ops: { pullCable: rec('pullCable'), restoreCable: rec('restoreCable'), crashNode: rec('crashNode'), panicNode: rec('panicNode'), restartNode: rec('restartNode'), signalAgent: rec('signalAgent') },
    };
  };

  it('crash kills the VM by default and restarts it; method panic panics the kernel; restart: false leaves it down', async () => {
    const pkg = faultPackage('crash', {});
    if (pkg.side !== 'controller') throw new Error('controller fault');
    for (const [params, want] of [
      [{}, ['crashNode node2', 'restartNode node2']],
      [{ method: 'panic' }, ['panicNode node2', 'restartNode node2']],
      [{ method: 'panic', restart: false }, ['panicNode node2']],
    ] as const) {
      const r = recorder();
      const p = pkg.params.parse(params);
      await pkg.apply(r.ops, target, p);
      await pkg.recover(r.ops, target, p);
      expect(r.calls).toEqual(want);
    }
    expect(() => pkg.params.parse({ method: 'reboot' })).toThrow();
  });
});
