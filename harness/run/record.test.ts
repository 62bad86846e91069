// What the progress line counts: the recorder tallies the agents' completions by outcome as
// they arrive; invocations and the nemesis' own events are not ops done.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunPlan } from '../campaign';
import type { HistoryEvent } from '../core';
import { openRecorder } from './record';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-record-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('completions are counted ok, info and fail; invokes and nemesis events are not', async () => {
  const rd = { dir, log: (): void => undefined, agentLog: (): void => undefined, close: (): void => undefined };
  // no influx: the recorder reads nothing of the plan
  const rec = await openRecorder({ rd, plan: {} as RunPlan, now: () => 0, warn: () => undefined, onStoreFailure: (e) => { throw e; } });
  const op = (process: number, type: HistoryEvent['type'], time: number): HistoryEvent => ({ process, type, f: 'read', time, key: 'r@0' });
  expect(rec.opCounts()).toEqual({ ok: 0, info: 0, fail: 0 });
  rec.hooks.history('node1', [op(1, 'invoke', 1e9), op(1, 'ok', 2e9), op(2, 'invoke', 1e9), op(2, 'info', 3e9)], 1000);
  rec.hooks.history('node2', [op(3, 'invoke', 1e9), op(3, 'fail', 2e9), op(3, 'invoke', 3e9), op(3, 'ok', 4e9)], 1000);
  rec.record([{ process: 'nemesis', type: 'info', f: 'start', time: 5e9 }]);
  expect(rec.opCounts()).toEqual({ ok: 2, info: 1, fail: 1 });
  await rec.close();
});
