// The disk-paxos workload's own check, on a history as a run stores it (fake-binding disks):
// the block ops, the decide events and the final snapshot of every disk, read back through the
// history loader. Valid as driven; a planted second value for a slot is Consistent, and the
// violation names the two decide ops; a history with no decision certifies nothing.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectPeers, type AgentClient } from '../../agents';
import { startFakeAgent } from '../../agents/test-support';
import { loadOps, type HistoryEvent } from '../../harness/core';
import { WorkloadCommon } from '../types';
import { BLOCK_BYTES, encodeBlock } from './block';
import { DISK_REGION } from './ops';
import { diskPaxos } from './package';
import { driveLog, inputOf } from './test-support';

const P = 3;
const SLOTS = 8;
let disks: AgentClient[] = [];
let dir: string;

beforeAll(async () => {
  disks = await Promise.all(Array.from({ length: 3 }, async () => (await startFakeAgent()).agent));
  for (const a of disks) {
    await a.registerMemory(DISK_REGION, SLOTS * P * BLOCK_BYTES);
    await connectPeers(a, a);
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disk-paxos-'));
});

afterAll(async () => {
  await Promise.all(disks.map((a) => a.shutdown()));
  fs.rmSync(dir, { recursive: true, force: true });
});

const spec = { ...WorkloadCommon.parse({ workload: 'disk-paxos', clients: ['node1', 'node2', 'node3'] }), ...diskPaxos.params.parse({ slots: SLOTS }) };
const at = { nodes: 3, target: 'node1', clients: ['node1', 'node2', 'node3'], workload: 0 };

/** the final snapshot as the run records it: one ok read per block, final */
async function snapshotEvents(): Promise<HistoryEvent[]> {
  const out: HistoryEvent[] = [];
  let p = 900_000_000;
  for (const [index, a] of disks.entries()) {
    for (const part of diskPaxos.snapshot(spec, diskPaxos.regions(spec, 0), { peer: `node${index + 1}`, index })) {
      for (const d of part.decode(await a.readMemory(part.region, part.offset, part.length))) {
        if (!('bytes' in d) || d.bytes.every((b) => b === 0)) continue;
        out.push({ type: 'invoke', process: p, f: 'read', key: d.key, time: 1e15, final: true });
        out.push({ type: 'ok', process: p++, f: 'read', key: d.key, result: { bytes: d.bytes.toString('hex') }, time: 1e15 + 1, final: true });
      }
    }
  }
  return out;
}

let n = 0;
function checkOf(events: HistoryEvent[]): ReturnType<NonNullable<typeof diskPaxos.check>> & { ops: ReturnType<typeof loadOps>['ops'] } {
  const file = path.join(dir, `h${n++}.jsonl`);
  fs.writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const ops = loadOps(file, 'native').ops;
  return { ...diskPaxos.check!(spec, ops, at), ops };
}

test('a driven log, its decisions and the disks at the end: valid, and a planted second value is caught with its decide ops', async () => {
  const r = await driveLog({ processors: P, disks: 3, slots: SLOTS, seed: 5, route: (_p, d) => ({ agent: disks[d - 1]!, peer: disks[d - 1]!.node }) });
  expect(r.commits.length).toBe(P * SLOTS);
  const events = [...r.histories.flat(), ...(await snapshotEvents())];
  const ok = checkOf(events);
  expect(ok.violations).toEqual([]);
  expect(ok.unknown).toBeUndefined();
  expect(ok.summary).toMatch(new RegExp(`^Nontrivial, Consistent, NoRegression and the snapshot invariants hold on ${P * SLOTS} decisions of ${SLOTS} slots, \\d+ block writes, \\d+ reads, ${3 * P * SLOTS} blocks in the final snapshot$`));

  // the last decision of slot 4 gets another processor's input: Consistent, naming both decisions
  const last = events.map((e, i) => (e.f === 'decide' && e.key === 'slot@4' && e.type === 'ok' ? i : -1)).reduce((a, b) => Math.max(a, b));
  const other = events[last]!.value === inputOf(1, 4) ? inputOf(2, 4) : inputOf(1, 4);
  const bad = events.map((e) => (e.f === 'decide' && e.process === events[last]!.process && e.key === 'slot@4' ? { ...e, value: other } : e));
  const c = checkOf(bad);
  expect(c.violations.map((v) => v.message.split(':')[0])).toEqual(['Consistent']);
  // the two decide ops, each followed by the block writes behind it: phase 2 of slot 4, carrying
  // the committed value (the planted one was never written: it has none)
  const ids = c.violations[0]!.ops;
  expect(ids.filter((id) => c.ops[id]!.f === 'decide').map((id) => c.ops[id]!.key)).toEqual(['slot@4', 'slot@4']);
  const writes = ids.filter((id) => c.ops[id]!.f === 'write');
  expect(writes.length).toBeGreaterThanOrEqual(2);
  for (const id of writes) expect(String(c.ops[id]!.key)).toMatch(/^disk@\d+:4\//);

  // the block ops alone: nothing decided, nothing certified
  const none = checkOf(events.filter((e) => e.f !== 'decide'));
  expect(none.unknown).toMatch(/^nothing was decided/);
});

test("a node's crash: its disk lost, its processor restarted as a new incarnation: valid, and the check says both", async () => {
  const fresh = await Promise.all(Array.from({ length: 3 }, async () => (await startFakeAgent()).agent));
  try {
    for (const a of fresh) {
      await a.registerMemory(DISK_REGION, SLOTS * P * BLOCK_BYTES);
      await connectPeers(a, a);
    }
    // processor 3's node goes down after its 40th result: from then on disk 3 is gone for good
    let results = 0;
    let down = false;
    const r = await driveLog({
      processors: P, disks: 3, slots: SLOTS, seed: 11,
      route: (_p, d) => ({ agent: fresh[d - 1]!, peer: fresh[d - 1]!.node }),
      nodeRestarts: (p) => (p === 3 && ++results > 40 ? ((down = true), 1) : 0),
      lost: (d) => d === 3 && down,
    });
    expect(down).toBe(true);
    expect(r.incarnations.get(3)!.length).toBe(2);
    expect(r.commits.length).toBe(P * SLOTS);
    // the final snapshot as the run takes it: the lost disk's agent has no region to read
    const snap: HistoryEvent[] = [];
    let p = 900_000_000;
    for (const [index, a] of fresh.entries()) {
      if (index === 2) continue;
      for (const part of diskPaxos.snapshot(spec, diskPaxos.regions(spec, 0), { peer: `node${index + 1}`, index })) {
        for (const d of part.decode(await a.readMemory(part.region, part.offset, part.length))) {
          if (!('bytes' in d) || d.bytes.every((b) => b === 0)) continue;
          snap.push({ type: 'invoke', process: p, f: 'read', key: d.key, time: 1e15, final: true }, { type: 'ok', process: p++, f: 'read', key: d.key, result: { bytes: d.bytes.toString('hex') }, time: 1e15 + 1, final: true });
        }
      }
    }
    const c = checkOf([...r.histories.flat(), ...snap]);
    expect(c.violations).toEqual([]);
    expect(c.summary).toMatch(/blocks in the final snapshot \(not node3's disk: its memory died with it\), 1 processor restart\(s\)$/);
  } finally {
    await Promise.all(fresh.map((a) => a.shutdown()));
  }
});

test("a fault boundary's snapshot (block key #label) is checked under its label", () => {
  // one decision, so the check certifies something
  const events: HistoryEvent[] = [
    { type: 'invoke', process: 800_000_001, f: 'decide', key: 'slot@1', value: inputOf(1, 1), time: 10 },
    { type: 'ok', process: 800_000_001, f: 'decide', key: 'slot@1', value: inputOf(1, 1), time: 11 },
  ];
  // disk 1 at "f1@start": processor 2's slot-1 block with a ballot above its own mbal
  const bad = { bytes: encodeBlock({ mbal: 2, bal: 5, inp: inputOf(2, 1) }, 1, 2).toString('hex') };
  const snap: HistoryEvent[] = [
    { type: 'invoke', process: 800_000_000, f: 'read', key: 'disk@1:1/2#f1@start', time: 1e15 },
    { type: 'ok', process: 800_000_000, f: 'read', key: 'disk@1:1/2#f1@start', result: bad, time: 1e15 + 1 },
  ];
  const c = checkOf([...events, ...snap]);
  expect(c.violations.map((v) => v.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^Snapshot: f1@start: disk 1, slot 1, processor 2's block \{mbal 2, bal 5, .*mbal is below bal/)]));
  // and it names the snapshot read that returned the block
  const readId = c.ops.find((o) => o.key === 'disk@1:1/2#f1@start')!.id;
  for (const v of c.violations.filter((x) => x.message.startsWith('Snapshot:'))) expect(v.ops).toEqual([readId]);
  // the same block torn (its CRC fails): left out, nothing judged
  const torn = { bytes: Buffer.from(bad.bytes, 'hex').fill(0, 0, 8).toString('hex') };
  expect(checkOf([...events, snap[0]!, { ...snap[1]!, result: torn }]).violations.filter((v) => v.message.includes('f1@start'))).toEqual([]);
});
