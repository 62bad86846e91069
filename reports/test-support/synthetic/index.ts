// Synthetic run directories for report tests and benches: a seeded history with faults, the
// background workload's correct behaviour, planted violations, rxe counter samples and a
// results.json made by really running harness/checkers on the written history.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkHistory, worst } from '../../../harness/checkers';
import { loadOps } from '../../../harness/core';
import { RUN_FILES, type Finding, type RunResults } from '../../../harness/core';
import { checksToRecords, counterDeltas, counterWindows, workloadStats } from '../../../harness/analysis';
import { ownerOf, timeBase, type Operation, type RunCounterSample, type WorkloadKeys } from '../../../harness/core';
import { policyTraits } from '../../../agents/failover';
import { workloadPatterns } from '../../../workloads';
import { execute } from './execute';
import { Rng } from './random';
import { scenario } from './scenarios';
import { HOSTILE, type FaultSpec, type SimFault, type SimOp, type SyntheticOptions } from './types';
import { backgroundOps } from './workload';
import { writeCampaign, writeCounters, writeHistory, writeLogs } from './write';

export * from './types';

export const DEFAULT_FAULTS: FaultSpec[] = [
  { kind: 'ack-loss', targets: ['node2'], from: 0.25, to: 0.45, params: { mode: 'blackout' } },
  { kind: 'nic-failover', targets: ['node2'], from: 0.35, to: 0.55, params: { method: 'link-down', rail: 0 } },
  { kind: 'packet-loss', targets: ['node3'], from: 0.7, to: 0.8, params: { rate: 0.2 } },
];

export interface SyntheticRun {
  dir: string;
  results: RunResults;
  /** client ops written (final reads included) */
  ops: number;
}

const T0 = 5e9;

export function makeSyntheticRun(o: SyntheticOptions): SyntheticRun {
  const seed = o.seed ?? 1;
  const rng = new Rng(seed);
  const hostile = o.hostile ?? false;
  const campaign = (o.campaign ?? 'synthetic') + (hostile ? ` ${HOSTILE.script}` : '');
  const nodes = (o.nodes ?? ['node1', 'node2', 'node3']).slice();
  if (hostile && nodes.length > 1) nodes[1] = nodes[1] + HOSTILE.img;
  const rename = (n: string): string => (n === 'node2' && hostile ? nodes[1]! : n);
  const opsN = o.ops ?? 2000;
  const rate = o.rate ?? 2000;
  const duration = (opsN / rate) * 1e9;
  const t1 = T0 + duration;
  const faults: SimFault[] = (o.faults ?? DEFAULT_FAULTS).map((f, i) => {
    const start = Math.round(T0 + f.from * duration);
    const stop = Math.round(T0 + f.to * duration);
    const sf: SimFault = { id: `${f.kind}-${i + 1}${hostile && i === 0 ? HOSTILE.svg : ''}`, kind: f.kind, targets: f.targets.map(rename), invoke: start - 300e6, start, stopInvoke: stop, stop: stop + 40e6 };
    if (f.params) sf.params = f.params;
    return sf;
  });
  if (o.unclean && faults.length) {
    const last = faults[faults.length - 1]!;
    delete last.stop;
    delete last.stopInvoke;
  }
  const processes = o.processes ?? 6;
  const registerKeys = ['r0', 'r1', 'r2', hostile ? `r3${HOSTILE.svg}` : 'r3'];
  const payloads = [HOSTILE.script, HOSTILE.img, HOSTILE.endScript, HOSTILE.lineSep];
  const ops: SimOp[] = backgroundOps({
    ops: opsN,
    processes,
    nodes,
    rate,
    t0: T0,
    faults,
    registerKeys,
    writeValue: (n) => (hostile && n % 7 === 0 ? `${payloads[(n / 7) % payloads.length]}#${n}` : `w${n}`),
    errorName: (base) => (hostile ? base + HOSTILE.script : base),
  }, rng);
  // every register and CAS key starts from a written value: the checkers disagree on a blank one
  let proc = processes + 2;
  [...registerKeys, ...Array.from({ length: 6 }, (_, i) => `x${i}`)].forEach((key, i) => {
    const call = T0 - 1e6 + i * 20e3;
    ops.push({ process: proc, node: nodes[0]!, f: 'write', key, value: `init-${key}`, status: 'ok', call, ret: call + 10e3, lin: call + 5e3, workload: key.startsWith('x') ? 'cas-register' : 'register' });
  });
  proc++;
  const finals = execute(ops, rng);

  const failover = faults.find((f) => /failover/.test(f.kind));
  const target = failover?.targets[0] ?? nodes[1 % nodes.length]!;
  const other = nodes.find((n) => n !== target) ?? target;
  for (const kind of o.plant ?? ['duplicateFadd', 'staleRead']) {
    const at = kind === 'staleRead' ? T0 + 0.92 * duration : (failover?.start ?? T0 + 0.4 * duration) + 1e6;
    const s = scenario(kind, { at, proc, node: target, other });
    ops.push(...s.ops);
    finals.push(...s.finals);
    proc += s.processes;
  }
  let t = ops.reduce((m, op) => Math.max(m, op.ret ?? op.call), t1) + 1e6;
  for (const f of finals) {
    ops.push({ process: proc, node: nodes[0]!, f: 'read', key: f.key, result: f.value, status: 'ok', call: t, ret: t + 20e3, lin: NaN, workload: 'scenario', final: true });
    t += 30e3;
  }

  fs.mkdirSync(o.dir, { recursive: true });
  const file = path.join(o.dir, RUN_FILES.history);
  writeHistory(file, ops, faults);
  writeCounters(path.join(o.dir, RUN_FILES.counters), nodes, faults, T0, t, rate, rng);
  const policy = o.policy ?? 'replay';
  writeCampaign(path.join(o.dir, RUN_FILES.campaign), { campaign, seed, nodes, ops: opsN, rate, policy, faults, durationS: (t - T0) / 1e9 });
  const findings = makeFindings(o, faults, target);
  writeLogs(o.dir, nodes, new Map(findings.filter((f) => f.kind.startsWith('kernel')).map((f) => [f.node, f.excerpt + '\n'])));

  const results = buildResults(o, { file, campaign, seed, nodes, faults, findings, policy, t });
  fs.writeFileSync(path.join(o.dir, RUN_FILES.results), JSON.stringify(results, null, 1) + '\n');
  return { dir: o.dir, results, ops: ops.length };
}

function makeFindings(o: SyntheticOptions, faults: readonly SimFault[], target: string): Finding[] {
  const out: Finding[] = [...(o.extraFindings ?? [])];
  const failover = faults.find((f) => /failover/.test(f.kind));
  const at = failover ? failover.start + 5e6 : T0;
  const activeAt = (t: number): string[] => faults.filter((f) => f.start <= t && (f.stop ?? Infinity) >= t).map((f) => f.id);
  if (o.kernelOops) {
    const excerpt = [
      '[  42.118310] BUG: kernel NULL pointer dereference, address: 0000000000000008',
      '[  42.118402] #PF: supervisor read access in kernel mode',
      '[  42.118950] RIP: 0010:rxe_skb_tx_dtor+0x1c/0x60 [rdma_rxe]',
      '[  42.119501] Call Trace:',
      '[  42.119522]  <IRQ>',
      '[  42.119580]  skb_release_head_state+0x40/0x90',
      '[  42.119733]  virtnet_poll_tx+0x9f/0x180 [virtio_net]',
      o.hostile ? `[  42.119800] comm: ${HOSTILE.script}` : '[  42.119800] comm: ksoftirqd/0',
    ].join('\n');
    out.push({ kind: 'kernel-oops', node: target, time: at, wallTime: new Date((o.startedAt ?? DEFAULT_START).getTime() + (at - T0) / 1e6).toISOString(), message: 'BUG: kernel NULL pointer dereference in rxe_skb_tx_dtor', excerpt, activeFaults: activeAt(at) });
  }
  if (o.infrastructureFault) {
    out.push({ kind: 'fabric-frozen', node: 'rail0', time: at, message: o.infrastructureFault, excerpt: 'probe 10.77.0.2 -> 10.77.0.3: 0/20 answered; no active fault drops this traffic', activeFaults: activeAt(at) });
  }
  return out;
}

const DEFAULT_START = new Date('2025-01-01T02:00:00Z');

/** which synthetic workload each key belongs to, by the ops on it (a real run knows from its plan) */
function syntheticOwners(ops: readonly Operation[]): WorkloadKeys[] {
  const byKey = new Map<string, Set<string>>();
  for (const op of ops) {
    const k = String(op.key);
    let fs = byKey.get(k);
    if (!fs) byKey.set(k, (fs = new Set()));
    fs.add(op.f);
  }
  const owners = new Map<string, string[]>();
  for (const [key, fs] of byKey) {
    const w = fs.has('send') || fs.has('recv') ? 'send-stream' : fs.has('fadd') ? 'counter' : fs.has('cas') ? 'cas-register' : 'register';
    owners.set(w, [...(owners.get(w) ?? []), key]);
  }
  return [...owners].map(([workload, keys]) => ({ workload, keys }));
}

function buildResults(o: SyntheticOptions, w: { file: string; campaign: string; seed: number; nodes: string[]; faults: SimFault[]; findings: Finding[]; policy: string; t: number }): RunResults {
  const h = loadOps(w.file, 'native');
  const c = o.check === false ? undefined : checkHistory(h.ops, { format: 'native', timeoutMs: o.checkTimeoutMs ?? 60_000 });
  const tb = timeBase(h.ops, h.faults);
  const samples = fs.readFileSync(path.join(path.dirname(w.file), RUN_FILES.counters), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RunCounterSample);
  const counters = counterDeltas(samples, counterWindows(h.faults, tb));
  const checks = c ? checksToRecords(c.results, { ops: h.ops, faults: h.faults, counters, policy: policyTraits(w.policy) }, workloadPatterns()) : [];
  const owners = syntheticOwners(h.ops);
  const startedAt = o.startedAt ?? DEFAULT_START;
  const durationMs = Math.round((w.t - T0) / 1e6);
  let verdict = c ? worst(c.results.map((r) => r.verdict)) : 'unknown';
  if (o.infrastructureFault) verdict = 'unknown';
  const r: RunResults = {
    schema: 1,
    campaign: w.campaign,
    seed: w.seed,
    startedAt: startedAt.toISOString(),
    endedAt: new Date(startedAt.getTime() + durationMs).toISOString(),
    durationMs,
    cluster: { driver: 'local', nodes: w.nodes, rails: 2 },
    policy: w.policy,
    verdict,
    checks,
    findings: w.findings,
    faults: w.faults.map((f) => ({ id: f.id, kind: f.kind, targets: f.targets, ...(f.params ? { params: f.params } : {}), start: f.start, ...(f.stop !== undefined ? { stop: f.stop } : {}), phase: f.stop !== undefined ? 'NotInjected' : 'Injected' })),
    counters,
    stats: workloadStats(h.ops, tb, (op) => ownerOf(owners, op.key) ?? 'other'),
    workloads: owners,
    clean: !o.unclean,
  };
  if (o.infrastructureFault) r.infrastructureFault = { reason: o.infrastructureFault, repaired: true };
  if (o.expected) {
    const found = new Set(checks.flatMap((k) => k.violations.map((v) => v.pattern)).filter((p): p is string => p !== undefined));
    const matched = (o.expected.verdict === undefined || o.expected.verdict === verdict) && (o.expected.patterns ?? []).every((p) => found.has(p));
    r.expected = { ...o.expected, matched };
  }
  if (!c) r.notes = ['checkers not run (synthetic run with check: false)'];
  return r;
}
