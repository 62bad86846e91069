// The watchdog's pure parts: the probe ring, the probe command, and judge (facts -> trip).
import type { FaultWindow } from '../core';
import { faultEffects } from '../../faults';
import { judge, probeArgv, ringPaths, type ProbeTarget, type WatchFacts } from './watchdog';

const S = 1e9;
const OPTS = { intervalMs: 1000, failAfterMs: 8000, firstReplyMs: 30_000, unreachableAfterMs: 25_000, graceMs: 10_000, confirmMs: 5000 };
const NOW = 1_000_000; // wall ms

const targets: ProbeTarget[] = ['node1', 'node2', 'node3'].map((node, i) => ({
  node,
  rails: [0, 1].map((rail) => ({ rail, netdev: `data${rail}`, ip: `10.${77 + rail}.0.${i + 1}` })),
}));

test('ringPaths: each node probes the next on every rail both have; nothing for one node', () => {
  const ring = ringPaths(targets);
  expect(ring.map((r) => `${r.from}>${r.to}@${r.rail} ${r.netdev} ${r.ip}`)).toEqual([
    'node1>node2@0 data0 10.77.0.2',
    'node1>node2@1 data1 10.78.0.2',
    'node2>node3@0 data0 10.77.0.3',
    'node2>node3@1 data1 10.78.0.3',
    'node3>node1@0 data0 10.77.0.1',
    'node3>node1@1 data1 10.78.0.1',
  ]);
  expect(ringPaths(targets.slice(0, 1))).toEqual([]);
  // a node with one rail only joins the ring on that rail
  const mixed = [targets[0]!, { node: 'node2', rails: [targets[1]!.rails[1]!] }];
  expect(ringPaths(mixed).map((r) => `${r.from}>${r.to}@${r.rail}`)).toEqual(['node1>node2@1', 'node2>node1@1']);
});

test('probeArgv: one argv (no shell string from data), the interval and each netdev/ip pair as arguments', () => {
  const argv = probeArgv([{ netdev: 'data0', ip: '10.77.0.2' }, { netdev: 'data1', ip: '10.78.0.2' }], 500);
  expect(argv.slice(0, 3)).toEqual(['env', 'I=0.5', 'sh']);
  expect(argv.slice(-5)).toEqual(['rc-probe', 'data0', '10.77.0.2', 'data1', '10.78.0.2']);
  expect(argv[4]).not.toContain('10.77');
});

/** facts where every path last replied `age` ms ago (per path overrides in `silent`) */
function facts(o: { silent?: Record<string, number>; never?: boolean; lost?: WatchFacts['lost']; faults?: FaultWindow[]; troubled?: string[]; upSince?: Record<string, number | undefined> } = {}): WatchFacts {
  return {
    nowMs: NOW,
    nowNs: 100 * S,
    paths: ringPaths(targets).map((r) => {
      const key = `${r.from}>${r.to}@${r.rail}`;
      const age = o.silent?.[key] ?? 500;
      const up = o.upSince && r.from in o.upSince ? o.upSince[r.from] : NOW - 60_000;
      return { path: { from: r.from, to: r.to, rail: r.rail }, ...(o.never ? {} : { lastReplyMs: NOW - age }), ...(up !== undefined ? { sourceUpSinceMs: up } : {}) };
    }),
    lost: o.lost ?? [],
    faults: o.faults ?? [],
    effects: faultEffects,
    troubled: new Set(o.troubled ?? []),
  };
}
const railSilent = (rail: number, ms: number): Record<string, number> => ({ [`node1>node2@${rail}`]: ms, [`node2>node3@${rail}`]: ms, [`node3>node1@${rail}`]: ms });

describe('judge', () => {
  test('everything answering: no trip', () => {
    expect(judge(facts(), OPTS)).toBeUndefined();
  });

  test('a whole rail silent past the threshold is a frozen fabric', () => {
    const t = judge(facts({ silent: railSilent(0, 9000) }), OPTS)!;
    expect(t.rails).toEqual([0]);
    expect(t.nodes).toEqual([]);
    expect(t.unreachable).toEqual([]);
    expect(t.reason).toBe('data rail 0 froze: no probe answered for 9 s, with no fault explaining it');
    expect(t.details).toHaveLength(3);
  });

  test('a rail whose paths cross the threshold at different times: one failed and the others quiet for half of it is a frozen rail', () => {
    const t = judge(facts({ silent: { 'node1>node2@0': 8300, 'node2>node3@0': 5000, 'node3>node1@0': 4100 } }), OPTS)!;
    expect(t.rails).toEqual([0]);
    expect(t.nodes).toEqual([]);
    expect(t.reason).toBe('data rail 0 froze: no probe answered for 4 s, with no fault explaining it');
    expect(t.details).toEqual(['node1 -> node2 on rail 0: no reply for 8.3 s', 'node2 -> node3 on rail 0: no reply for 5.0 s', 'node3 -> node1 on rail 0: no reply for 4.1 s']);
    // one path of the rail still answering: that is a node, not the rail
    const n = judge(facts({ silent: { 'node1>node2@0': 8300, 'node2>node3@0': 5000, 'node3>node1@0': 2000 } }), OPTS)!;
    expect(n.rails).toEqual([]);
    expect(n.nodes).toEqual(['node1']);
  });

  test('silent for less than the threshold: not yet', () => {
    expect(judge(facts({ silent: railSilent(0, 7900) }), OPTS)).toBeUndefined();
  });

  test('paths that never answered yet (a loaded guest starting its probes) get the longer first-reply threshold', () => {
    const up = (ms: number) => ({ node1: NOW - ms, node2: NOW - ms, node3: NOW - ms });
    expect(judge(facts({ never: true, upSince: up(20_000) }), OPTS)).toBeUndefined();
    const t = judge(facts({ never: true, upSince: up(31_000) }), OPTS)!;
    expect(t.rails).toEqual([0, 1]);
    expect(t.details[0]).toBe('node1 -> node2 on rail 0: no reply for 31.0 s');
  });

  test('a probe session that just (re)started is given the threshold from its start', () => {
    expect(judge(facts({ silent: railSilent(0, 60_000), upSince: { node1: NOW - 2000, node2: NOW - 2000, node3: NOW - 2000 } }), OPTS)).toBeUndefined();
  });

  test('one node silent on its paths of a rail is a wedged node, not a frozen rail', () => {
    const t = judge(facts({ silent: { 'node1>node2@0': 9000, 'node2>node3@0': 9000 } }), OPTS)!;
    expect(t.rails).toEqual([]);
    expect(t.nodes).toEqual(['node2']);
    expect(t.reason).toBe('node2 stopped answering probes on rail 0, with no fault explaining it');
  });

  test('a cable pull on that node explains it, during the fault and its grace, not after', () => {
    const cable: FaultWindow = { id: 'cable-1', kind: 'nic-failover', targets: ['node2'], params: { method: 'cable', rail: 0 }, invoked: 80 * S, start: 80.3 * S };
    const silent = { 'node1>node2@0': 9000, 'node2>node3@0': 9000 };
    expect(judge(facts({ silent, faults: [cable] }), OPTS)).toBeUndefined();
    expect(judge(facts({ silent, faults: [{ ...cable, stop: 95 * S }] }), OPTS)).toBeUndefined();
    expect(judge(facts({ silent, faults: [{ ...cable, stop: 85 * S }] }), OPTS)?.nodes).toEqual(['node2']);
  });

  test('RoCE-only faults do not explain silent ICMP probes', () => {
    const loss: FaultWindow = { id: 'l', kind: 'packet-loss', targets: ['node2'], params: { rate: 100 }, invoked: 80 * S, start: 80 * S };
    expect(judge(facts({ silent: railSilent(1, 9000), faults: [loss] }), OPTS)?.rails).toEqual([1]);
  });

  test('kernel trouble on either end explains a silent path (it is a finding, not the fabric)', () => {
    expect(judge(facts({ silent: { 'node1>node2@0': 9000, 'node2>node3@0': 9000 }, troubled: ['node2'] }), OPTS)).toBeUndefined();
  });

  test('a node without SSH past its threshold is unreachable, unless a crash of it or its kernel trouble explains it', () => {
    const lost = [{ node: 'node3', sinceMs: NOW - 26_000, why: 'its VM is not running' }];
    const t = judge(facts({ lost, upSince: { node3: undefined } }), OPTS)!;
    expect(t.unreachable).toEqual(['node3']);
    expect(t.nodes).toEqual(['node3']);
    expect(t.reason).toBe('node3 stopped answering SSH, with no fault explaining it');
    expect(t.details[0]).toContain('its VM is not running');
    expect(judge(facts({ lost: [{ node: 'node3', sinceMs: NOW - 20_000 }] }), OPTS)).toBeUndefined();
    const crash: FaultWindow = { id: 'crash-1', kind: 'crash', targets: ['node3'], params: { method: 'panic' }, invoked: 70 * S, start: 70 * S };
    expect(judge(facts({ lost, faults: [crash], upSince: { node3: undefined } }), OPTS)).toBeUndefined();
    expect(judge(facts({ lost, troubled: ['node3'], upSince: { node3: undefined } }), OPTS)).toBeUndefined();
  });

  test('both rails frozen at once: both named', () => {
    const t = judge(facts({ silent: { ...railSilent(0, 9000), ...railSilent(1, 12_000) } }), OPTS)!;
    expect(t.rails).toEqual([0, 1]);
    expect(t.reason).toBe('data rails 0, 1 froze: no probe answered for 9 s, with no fault explaining it');
  });
});
