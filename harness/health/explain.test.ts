// Which fault explains a silent probe path or node: only faults that cut ICMP on that path
// (as the fault registry says) and only while in place (plus a grace).
import type { FaultWindow, ProbePath } from '../core';
import { faultEffects } from '../../faults';
import { activeDuring, activeIds, explainNode, explainPath } from './explain';

const S = 1e9;
const w = (id: string, kind: string, target: string, params: Record<string, unknown>, start?: number, stop?: number): FaultWindow => ({
  id,
  kind,
  targets: [target],
  params: params as FaultWindow['params'],
  invoked: (start ?? 10 * S) - 0.3 * S,
  ...(start !== undefined ? { start } : {}),
  ...(stop !== undefined ? { stop } : {}),
});
const p = (from: string, to: string, rail: number): ProbePath => ({ from, to, rail });
const o = { failAfterMs: 8000, graceNs: 10 * S, effects: faultEffects };

describe('when', () => {
  test('activeDuring: from when applying began (it may act before the nemesis hears back) to its heal, plus a grace', () => {
    const f = w('f', 'crash', 'node1', {}, 10 * S, 20 * S);
    expect(f.invoked).toBe(9.7 * S);
    expect(activeDuring(f, 5 * S, 9.6 * S)).toBe(false);
    expect(activeDuring(f, 5 * S, 9.8 * S)).toBe(true);
    expect(activeDuring(f, 20 * S, 25 * S)).toBe(true);
    expect(activeDuring(f, 25 * S, 30 * S)).toBe(false);
    expect(activeDuring(f, 25 * S, 30 * S, 5 * S)).toBe(true);
    // still being applied: counts from the invoke; never healed: in place for good
    const applying: FaultWindow = { id: 'a', kind: 'crash', targets: ['node1'], params: {}, invoked: 10 * S };
    expect(activeDuring(applying, 10 * S, 10 * S)).toBe(true);
    expect(activeDuring(applying, 1000 * S, 1000 * S)).toBe(true);
  });

  test('explainPath: the cable pull explains only during its window plus grace', () => {
    const cable = w('cable-1', 'nic-failover', 'node2', { method: 'cable', rail: 0 }, 10 * S, 14 * S);
    const path = p('node1', 'node2', 0);
    expect(explainPath([cable], path, 12 * S, o)?.id).toBe('cable-1');
    expect(explainPath([cable], path, 23 * S, o)?.id).toBe('cable-1');
    expect(explainPath([cable], path, 25 * S, o)).toBeUndefined();
    expect(explainPath([cable], p('node1', 'node2', 1), 12 * S, o)).toBeUndefined();
  });

  test('explainNode: only a crash of that node explains it going silent', () => {
    const fs = [w('c', 'crash', 'node2', { method: 'panic' }, 10 * S), w('p', 'partition', 'node3', {}, 10 * S)];
    expect(explainNode(fs, 'node2', 11 * S, o)?.id).toBe('c');
    expect(explainNode(fs, 'node3', 11 * S, o)).toBeUndefined();
    expect(explainNode(fs, 'node2', 9 * S, o)).toBeUndefined();
  });

  test('activeIds: the faults in place at some moment of the span', () => {
    const fs = [w('a', 'delay', 'node1', {}, 1 * S, 2 * S), w('b', 'crash', 'node1', {}, 3 * S), w('c', 'pause', 'node2', {}, 10 * S, 11 * S)];
    expect(activeIds(fs, 1.5 * S, 4 * S)).toEqual(['a', 'b']);
    expect(activeIds(fs, 5 * S, 6 * S)).toEqual(['b']);
    expect(activeIds(fs, 0, 0.5 * S)).toEqual([]);
  });
});
