// The reconfig workload's own check on ops as the history loader gives them: the cache events
// become the tree handed to the cache-tree checker (each cache with the op that recorded it),
// and every supporter a leader counted must have posted its vote or ack as a SEND.
import { checkCacheTree } from '../../harness/checkers';
import type { Cache, Json, Operation } from '../../harness/core';
import { cacheKey } from '../../harness/core';
import { encodeMsg, type Msg } from '../paxos';
import { WorkloadCommon } from '../types';
import { reconfig } from './package';
import { cacheNoOf } from './protocol';

const nodes = ['node1', 'node2', 'node3'];
const spec = { ...WorkloadCommon.parse({ workload: 'reconfig', clients: nodes }), ...reconfig.params.parse({}) };
const at = { nodes: 3, target: 'node1', clients: nodes, workload: 0 };

let id = 0;
const op = (o: Partial<Operation>): Operation => ({ id: id++, process: 1, f: 'send', status: 'ok', call: id, ret: id, ...o }) as Operation;
const cacheOp = (c: Cache): Operation => op({ f: 'cache', key: cacheKey(c.id), node: c.leader, value: JSON.parse(JSON.stringify({ ...c, id: undefined })) as Json });
const sent = (node: string, m: Partial<Msg>): Operation => op({ f: 'send', node, key: `${node}->node1`, value: { bytes: encodeMsg({ type: 'promise', instance: 0, ballot: 0, sender: 1, value: 0, accBallot: 0, accValue: 0, ...m }).toString('hex') } });

// node1 elected at time 1 by {node1, node2}, a method, committed by {node1, node2}
const tree: Cache[] = [
  { id: 't0.0', kind: 'M', time: 0, leader: '-', method: 'initial' },
  { id: 't1.0', kind: 'E', parent: 't0.0', time: 1, leader: 'node1', supporters: ['node1', 'node2'] },
  { id: 't1.1', kind: 'M', parent: 't1.0', time: 1, leader: 'node1', method: 'put 1' },
  { id: 't1.2', kind: 'C', parent: 't1.1', time: 1, leader: 'node1', supporters: ['node1', 'node2'] },
];

test('the cache events are the tree (the root recorded at the start); the votes and acks behind it are found', () => {
  const ops = [...tree.map(cacheOp), sent('node2', { type: 'promise', ballot: 1 }), sent('node2', { type: 'accepted', ballot: 1, value: cacheNoOf('t1.1') })];
  const r = reconfig.check!(spec, ops, at);
  expect(r.violations).toEqual([]);
  expect(r.unknown).toBeUndefined();
  expect(r.cacheTree!.initial).toEqual(nodes);
  expect(r.cacheTree!.caches.map((c) => c.id)).toEqual(['t0.0', 't1.0', 't1.1', 't1.2']);
  expect(r.cacheTree!.opOf.get('t1.2')).toBe(ops[3]!.id);
  expect(checkCacheTree(r.cacheTree!.caches, r.cacheTree!.initial)).toEqual([]);
});

test('a supporter whose ack is no SEND of the history is named; nothing committed is unknown', () => {
  const ops = [...tree.map(cacheOp), sent('node2', { type: 'promise', ballot: 1 })];
  const r = reconfig.check!(spec, ops, at);
  expect(r.violations).toEqual([{ message: 'Supporter: commit t1.2 by node1 counts node2, whose ack is no SEND of the history', ops: [ops[3]!.id] }]);
  // an ack of another cache does not stand in for it
  const other = reconfig.check!(spec, [...ops, sent('node2', { type: 'accepted', ballot: 1, value: cacheNoOf('t1.0') })], at);
  expect(other.violations).toHaveLength(1);
  expect(reconfig.check!(spec, ops.slice(0, 3), at).unknown).toMatch(/^nothing was committed/);
});
