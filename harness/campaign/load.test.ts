import { InputError } from '../core';
import { parseCampaign } from './load';
import { planRun, describePlan } from './plan';

const base = `name: t
duration: 20s
cluster: { nodes: 3, rails: 2 }
policy: replay
workloads:
  - workload: counter
    target: node1
    clients: [node2]
faults:
  timeline:
    - at: 5s
      kind: ack-loss
      target: node2
      duration: 3s
`;

function rejects(text: string, msg: RegExp): void {
  let err: unknown;
  try {
    parseCampaign('c.yaml', text);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).exitCode).toBe(254);
  expect((err as InputError).message).toMatch(msg);
}

describe('campaign files', () => {
  it('loads a valid campaign with defaults filled in', () => {
    const c = parseCampaign('c.yaml', base);
    expect(c.workloads[0]).toMatchObject({ workload: 'counter', concurrency: 1, rate: 0, depth: 16 });
    expect(c.qp).toMatchObject({ retry_cnt: 3, timeout: 16 });
    expect(c.checks).toEqual(['at-most-once', 'linearizability']);
  });

  // acceptance 7: rejected before anything starts, with the field named (and its line)
  it('rejects an unknown fault kind', () => rejects(base.replace('kind: ack-loss', 'kind: solar-flare'), /^c\.yaml:12: faults\.timeline\[0\]\.kind: must be one of/));
  it('rejects a negative rate', () => rejects(base.replace('clients: [node2]', 'clients: [node2]\n    rate: -5'), /^c\.yaml:9: workloads\[0\]\.rate: rate must not be negative/));
  it('rejects a node that does not exist', () => rejects(base.replace('target: node2', 'target: node7'), /^c\.yaml:13: faults\.timeline\[0\]\.target: node "node7" does not exist/));
  it('rejects a client node that does not exist', () => rejects(base.replace('clients: [node2]', 'clients: [node2, node9]'), /^c\.yaml:8: workloads\[0\]\.clients\[1\]: node "node9" does not exist/));
  it('rejects a failover policy on a 1-rail cluster', () => rejects(base.replace('rails: 2', 'rails: 1'), /^c\.yaml:4: policy: policy "replay" moves traffic to a backup rail, but the cluster has 1 rail/));
  it('rejects nic-failover on a 1-rail cluster', () => rejects(base.replace('rails: 2', 'rails: 1').replace('policy: replay', 'policy: none').replace('kind: ack-loss', 'kind: nic-failover'), /faults\.timeline\[0\]\.kind: nic-failover needs 2 rails/));
  it('rejects bad fault params, naming the param', () => rejects(base.replace('duration: 3s\n', 'duration: 3s\n      params: { mode: rate }\n'), /faults\.timeline\[0\]\.params: mode rate needs a rate/));
  it('rejects an unknown field', () => rejects(base + 'colour: blue\n', /^c\.yaml:15: unknown field "colour"/));
  it('rejects broken YAML with its line', () => rejects(base + 'workloads: [\n', /^c\.yaml:\d+: /));
  it('rejects a bad duration', () => rejects(base.replace('duration: 20s', 'duration: soon'), /^c\.yaml:2: duration: /));
});

test('two workloads from the same client toward the same target are refused at the line of the second', () => {
  const two = base.replace('faults:', `  - workload: cas-register
    target: node1
    clients: [node3, node2]
faults:`);
  rejects(two, /^c\.yaml:11: workloads\[1\]\.clients: node2 already runs workloads\[0\] \(counter\) toward node1: a client node runs one workload per target/);
  // another target, or other clients, is fine
  expect(() => parseCampaign('c.yaml', two.replace('clients: [node3, node2]', 'clients: [node3]'))).not.toThrow();
  expect(() => parseCampaign('c.yaml', two.replace('target: node1\n    clients: [node3, node2]', 'target: node3\n    clients: [node1, node2]'))).not.toThrow();
});

describe('planning', () => {
  const random = base + '  random: { kinds: [packet-loss, ack-loss, nic-failover, partition, delay, pause], interval: 3s }\n';
  it('is a pure function of campaign and seed', () => {
    const c = parseCampaign('c.yaml', random.replace('duration: 20s', 'duration: 60s'));
    const a = describePlan(planRun(c, 7));
    expect(describePlan(planRun(c, 7))).toBe(a);
    expect(describePlan(planRun(c, 8))).not.toBe(a);
    expect(planRun(c, 7).faults.length).toBeGreaterThan(5);
  });
  it('never overlaps two faults on one target and heals before the end', () => {
    const p = planRun(parseCampaign('c.yaml', random.replace('duration: 20s', 'duration: 10m')), 3);
    const byTarget = new Map<string, { startMs: number; stopMs: number }[]>();
    for (const f of p.faults.filter((f) => f.id.startsWith('r'))) {
      expect(f.stopMs).toBeLessThan(p.durationMs);
      const l = byTarget.get(f.target) ?? [];
      for (const g of l) expect(f.startMs >= g.stopMs || f.stopMs <= g.startMs).toBe(true);
      l.push(f);
      byTarget.set(f.target, l);
    }
    expect(new Set(p.faults.map((f) => f.kind)).size).toBeGreaterThanOrEqual(5);
  });
});
