// The shrinking search against a model of the system: a candidate "reproduces" when it holds the
// faults and workload the model says cause the violation. Real runs are the oracle in
// shrink.test.ts and the acceptance bench; here the search's own logic is checked.
import { durationToMs } from '../../core';
import { bisectDown, cutAt, ddmin, shrinkCampaign, type Candidate, type Raw } from './search';

test('ddmin finds the one pair that matters among many, without testing everything', async () => {
  const items = Array.from({ length: 16 }, (_, i) => i);
  const tested: number[][] = [];
  const r = await ddmin(items, async (s) => (tested.push(s), s.includes(3) && s.includes(11)));
  expect(r.sort((a, b) => a - b)).toEqual([3, 11]);
  // far fewer than the 2^16 subsets, and within ddmin's bound for two causes (2 x 2 log2 n chunks, with complements)
  expect(tested.length).toBeLessThanOrEqual(48);
  // 1-minimal: dropping either breaks it
  expect(await ddmin([5], async () => true)).toEqual([5]);
  expect(await ddmin([1, 2, 3], async (s) => s.length >= 2, 2)).toHaveLength(2);
});

test('bisectDown finds the smallest passing value of a monotone test in few rounds', async () => {
  const seen: number[] = [];
  expect(await bisectDown(16, 1, async (v) => (seen.push(v), v >= 5), 6)).toBe(5);
  expect(seen[0]).toBe(1);
  expect(await bisectDown(16, 1, async (v) => v >= 1)).toBe(1);
  // out of rounds: a passing value, not necessarily the smallest
  const v = await bisectDown(1000, 1, async (x) => x >= 700, 2);
  expect(v).toBeGreaterThanOrEqual(700);
});

const NOISY: Raw = {
  name: 'cas-noisy',
  duration: '30s',
  cluster: { nodes: 4, rails: 2 },
  policy: 'replay',
  workloads: [
    { workload: 'cas-register', target: 'node1', clients: ['node2', 'node3'], keys: 1, depth: 1 },
    { workload: 'counter', target: 'node4', clients: ['node1'], depth: 8, rate: 200 },
  ],
  faults: {
    timeline: [
      { at: '2s', id: 'noise-delay', kind: 'delay', target: 'node4', duration: '6s', params: { ms: 2 } },
      { at: '4s', id: 'blackout', kind: 'ack-loss', target: 'node2', duration: '6s', params: { mode: 'blackout', rails: [0], opcodes: ['atomic-ack', 'ack'] } },
      { at: '5s', id: 'noise-pause', kind: 'pause', target: 'node4', duration: '2s', params: {} },
      { at: '8s', id: 'pull', kind: 'nic-failover', target: 'node2', duration: '4s', params: { method: 'cable', rail: 0 } },
      { at: '14s', id: 'noise-loss', kind: 'packet-loss', target: 'node2', duration: '3s', params: { rate: 20, rails: [1] } },
      { at: '16s', id: 'noise-part', kind: 'partition', target: 'node4', duration: '3s', params: {} },
    ],
  },
};

/** the model: the CAS workload under the blackout (on atomic ACKs, at least 3 s) and the pull */
function model(c: Raw): boolean {
  const steps = ((c.faults as Raw).timeline as Raw[]) ?? [];
  const b = steps.find((s) => s.id === 'blackout');
  const secs = (d: unknown): number => (typeof d === 'string' ? parseFloat(d) / (d.endsWith('ms') ? 1000 : 1) : Infinity);
  const opcodes = ((b?.params as Raw | undefined)?.opcodes as string[] | undefined) ?? [];
  const w = (c.workloads as Raw[]).find((x) => x.workload === 'cas-register');
  return !!b && secs(b.duration) >= 3 && opcodes.includes('atomic-ack') && steps.some((s) => s.id === 'pull') && !!w && ((w.clients as string[]) ?? []).length === 2 && secs(c.duration) >= 12;
}

test('shrinkCampaign keeps only the blackout, the pull and the CAS workload, and narrows them', async () => {
  const tried: Candidate[] = [];
  const r = await shrinkCampaign(NOISY, {
    test: async (c) => (tried.push(c), model(c.campaign)),
    valid: (c) => Number((c.cluster as Raw).nodes) >= 3,
    outOfTime: () => false,
  });
  const steps = (r.campaign.faults as Raw).timeline as Raw[];
  expect(steps.map((s) => s.id)).toEqual(['blackout', 'pull']);
  expect((steps[0]!.params as Raw).opcodes).toEqual(['atomic-ack']);
  expect(durationToMs(steps[0]!.duration)).toBeGreaterThanOrEqual(3000);
  expect(durationToMs(steps[0]!.duration)).toBeLessThan(6000);
  expect((r.campaign.workloads as Raw[]).map((w) => w.workload)).toEqual(['cas-register']);
  // node4 is named by nothing left, node3 is a client: 3 nodes (the validity rule refuses fewer)
  expect((r.campaign.cluster as Raw).nodes).toBe(3);
  expect(model(r.campaign)).toBe(true);
  expect(r).toMatchObject({ tried: tried.length, exhausted: false });
  process.stderr.write(`shrink model: ${tried.length} candidates\n${tried.map((c) => `  ${c.what}: ${model(c.campaign)}`).join('\n')}\n`);
  // memoised: no candidate ran twice
  expect(new Set(tried.map((c) => JSON.stringify(c.campaign))).size).toBe(tried.length);
  // the input is not modified
  expect(((NOISY.faults as Raw).timeline as Raw[]).length).toBe(6);
});

test('the faults in place at the violation are tried first: a right guess saves most of the search', async () => {
  const tried: Candidate[] = [];
  const r = await shrinkCampaign(NOISY, { test: async (c) => (tried.push(c), model(c.campaign)), valid: () => true, outOfTime: () => false, suspects: ['blackout', 'pull', 'noise-pause'] });
  expect(tried[0]!.what).toBe('fault steps blackout, noise-pause, pull');
  expect(((r.campaign.faults as Raw).timeline as Raw[]).map((x) => x.id)).toEqual(['blackout', 'pull']);
  expect(tried.filter((c) => c.what.startsWith('fault steps')).length).toBeLessThanOrEqual(6);
  // a wrong guess costs one candidate and the search goes on from everything
  const wrong: Candidate[] = [];
  const w = await shrinkCampaign(NOISY, { test: async (c) => (wrong.push(c), model(c.campaign)), valid: () => true, outOfTime: () => false, suspects: ['noise-delay'] });
  expect(((w.campaign.faults as Raw).timeline as Raw[]).map((x) => x.id)).toEqual(['blackout', 'pull']);
  expect(wrong[0]!.what).toBe('fault steps noise-delay');
});

test('out of budget, the search stops with the smallest campaign proved so far', async () => {
  let n = 0;
  const r = await shrinkCampaign(NOISY, { test: async (c) => model(c.campaign), valid: () => true, outOfTime: () => ++n > 3 });
  expect(r.exhausted).toBe(true);
  expect(r.tried).toBeLessThanOrEqual(3);
  expect(model(r.campaign)).toBe(true);
});

test('cutAt ends the campaign early: later steps go, the rest heal a second before the end', () => {
  const c = cutAt(NOISY, 10_000);
  const steps = (c.faults as Raw).timeline as Raw[];
  expect(c.duration).toBe('10s');
  // noise-pause (5 s + 2 s) is untouched; the blackout (4 s + 6 s) and the pull (8 s + 4 s) are clipped; what begins at 8 s or later goes
  expect(steps.map((s) => [s.id, s.duration])).toEqual([['noise-delay', '6s'], ['blackout', '5s'], ['noise-pause', '2s']]);
  expect(((NOISY.faults as Raw).timeline as Raw[]).length).toBe(6);
  expect((cutAt(NOISY, 60_000).faults as Raw).timeline).toEqual((NOISY.faults as Raw).timeline);
});
