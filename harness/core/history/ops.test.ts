// Pairing: the streaming Pairer (fed one reused event object by loadOps' fast path) must give
// the ops that pairing the parsed events gives, for small and large process ids alike, and
// refuse the same broken histories.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadHistory, loadOps } from './importers';
import { pairEvents } from './ops';
import type { HistoryEvent } from './schema';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-ops-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const write = (events: object[]): string => {
  const f = path.join(dir, `h${n++}.jsonl`);
  fs.writeFileSync(f, events.map((e) => JSON.stringify(e) + '\n').join(''));
  return f;
};

describe('Pairer', () => {
  const procs = [0, 3, 65535, 65536, 1_000_000];
  const events: HistoryEvent[] = [];
  let t = 0;
  events.push({ type: 'invoke', process: 'nemesis', f: 'start', fault: { id: 'p1', kind: 'partition' }, time: ++t });
  for (const p of procs) events.push({ type: 'invoke', process: p, f: 'fadd', key: p % 2, value: 2 ** 40 + p, node: `n${p % 3}`, time: ++t, rdma: { rail: 0, wrId: p } });
  events.push({ type: 'info', process: 'nemesis', f: 'start', fault: { id: 'p1', kind: 'partition' }, time: ++t });
  procs.forEach((p, i) => {
    const type = (['ok', 'info', 'fail', 'ok', 'ok'] as const)[i]!;
    events.push({ type, process: p, f: 'fadd', key: p % 2, value: 2 ** 40 + p, time: ++t, ...(type === 'ok' ? { result: i, rdma: { qpn: 7 } } : { error: 'IBV_WC_RETRY_EXC_ERR' }) });
  });
  for (const p of procs) events.push({ type: 'invoke', process: p, f: 'read', key: 'x', time: ++t }, { type: 'ok', process: p, f: 'read', key: 'x', result: null, final: true, time: ++t });

  it('gives the same ops streaming (reused event object) as from parsed events', () => {
    const f = write(events);
    const streamed = loadOps(f);
    const h = loadHistory(f);
    const paired = pairEvents(h.events, { file: f, lines: h.lines });
    expect(streamed.ops).toEqual(paired.ops);
    expect(streamed.faults).toEqual(paired.faults);
    expect(streamed.ops).toHaveLength(10);
    expect(streamed.ops[3]).toMatchObject({ process: 65536, status: 'ok', value: 2 ** 40 + 65536, result: 3, rdma: { wrId: 65536, qpn: 7, rail: 0 }, callLine: 5, retLine: 11 });
    expect(streamed.ops[1]).toMatchObject({ process: 3, status: 'info', ret: Infinity, error: 'IBV_WC_RETRY_EXC_ERR' });
    expect(streamed.ops.slice(5).every((o) => o.final === true && o.f === 'read')).toBe(true);
  });

  it.each([0, 70000])('refuses a second invoke, an orphan and a mismatched completion (process %d)', (p) => {
    expect(() => loadOps(write([{ type: 'invoke', process: p, f: 'read' }, { type: 'invoke', process: p, f: 'write', value: 1 }]))).toThrow(/:2: process \d+ invokes write while its read \(line 1\) has no completion/);
    expect(() => loadOps(write([{ type: 'ok', process: p, f: 'read', result: 1 }]))).toThrow(/:1: ok read for process \d+, which has no pending invoke/);
    expect(() => loadOps(write([{ type: 'invoke', process: p, f: 'read' }, { type: 'ok', process: p, f: 'write', value: 1 }]))).toThrow(/:2: ok write completes process \d+'s read \(line 1\)/);
  });
});

// A controller writes an op's two events once it completed, so files are seldom in time order
// and the Pairer re-ranks by time at the end: packed into one native sort where (time, arrival)
// fits a double, by binary search where the times are too wide; both as pairEvents ranks them.
describe.each([
  ['packed', 1],
  ['too wide to pack', 2 ** 40],
])('Pairer re-ranking out-of-order times (%s)', (_name, scale) => {
  it('gives the ranks of pairing the parsed events, equal times invocations first', () => {
    const events: HistoryEvent[] = [];
    // each op written whole at its completion; intervals overlap and completions interleave
    const spans = [[5, 9], [1, 12], [3, 4], [9, 10], [2, 7], [7, 8], [9, 11]] as const;
    spans.forEach(([a, b], p) => {
      events.push({ type: 'invoke', process: p, f: 'write', key: 'r', value: p, time: a * scale });
      events.push({ type: 'ok', process: p, f: 'write', key: 'r', value: p, time: b * scale });
    });
    const f = write(events);
    const streamed = loadOps(f);
    const h = loadHistory(f);
    expect(streamed.ops).toEqual(pairEvents(h.events, { file: f, lines: h.lines }).ops);
    // op 3 is invoked at 9, the time op 0 completes: touching intervals overlap
    const [o0, , , o3] = streamed.ops;
    expect(o3!.call).toBeLessThan(o0!.ret);
    expect(streamed.ops.flatMap((o) => [o.call, o.ret]).sort((x, y) => x - y)).toEqual([...Array(14).keys()]);
  });
});
