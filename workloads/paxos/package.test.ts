// The paxos workload's own check on ops as the history loader gives them: the acceptors'
// `accepted` SENDs (their 40 bytes), the acceptors' slots read at the end, the decide ops. A
// safe log is valid; two values decided for a slot are Agreement (naming both decide ops); a
// higher ballot accepted with another value after a chosen one is I2; no decision: unknown.
import type { Operation } from '../../harness/core';
import { WorkloadCommon } from '../types';
import { valueOf } from './log';
import { paxos } from './package';
import { encodeMsg, type Msg } from './wire';

const nodes = ['node1', 'node2', 'node3'];
const spec = { ...WorkloadCommon.parse({ workload: 'paxos', clients: nodes }), ...paxos.params.parse({}) };
const at = { nodes: 3, target: 'node1', clients: nodes, workload: 0 };

let id = 0;
const op = (o: Partial<Operation>): Operation => ({ id: id++, process: 1, f: 'send', status: 'ok', call: id, ret: id, ...o }) as Operation;
const accepted = (acceptor: number, instance: number, ballot: number, value: number): Operation => {
  const m: Msg = { type: 'accepted', instance, ballot, sender: acceptor, value, accBallot: 0, accValue: 0 };
  return op({ f: 'send', node: nodes[acceptor - 1]!, key: `${nodes[acceptor - 1]!}->node1`, value: { bytes: encodeMsg(m).toString('hex') } });
};
const decide = (proposer: number, instance: number, value: number): Operation => op({ f: 'decide', process: 800_000_000 + proposer, key: `paxos@${instance}`, value });

test('a safe log is valid; a second decided value is Agreement with both decide ops and their accepted messages; a chosen value overridden is I2', () => {
  const safe = [accepted(1, 1, 1, valueOf(1, 1)), accepted(2, 1, 1, valueOf(1, 1)), decide(1, 1, valueOf(1, 1)), decide(2, 1, valueOf(1, 1))];
  const ok = paxos.check!(spec, safe, at);
  expect(ok.violations).toEqual([]);
  expect(ok.summary).toBe('I1, I2, Agreement and Validity hold on 2 decisions of 1 slots, 2 messages sent, 2 accepted proposals (messages and the acceptors\' slots at the end)');

  // proposer 2 ignored the accepted value: ballot 2 accepted with its own, and decided
  const a3 = accepted(3, 1, 2, valueOf(2, 1));
  const a2 = accepted(2, 1, 2, valueOf(2, 1));
  const d2 = decide(2, 1, valueOf(2, 1));
  const bad = paxos.check!(spec, [safe[0]!, safe[1]!, safe[2]!, a3, a2, d2], at);
  const kinds = bad.violations.map((v) => v.message.split(':')[0]);
  expect(kinds.sort()).toEqual(['Agreement', 'I2']);
  const agreement = bad.violations.find((v) => v.message.startsWith('Agreement'))!;
  // both decisions, each with the accepted messages that carried its value
  expect(agreement.ops).toEqual([safe[2]!.id, safe[0]!.id, safe[1]!.id, d2.id, a3.id, a2.id]);

  // the acceptors' slots at the end count as accepted proposals too
  const end = op({ f: 'read', final: true, node: 'node3', key: 'acceptor@3:1', result: { promised: 4, accBallot: 4, accValue: valueOf(3, 1) } });
  const fromEnd = paxos.check!(spec, [...safe, end], at).violations;
  expect(fromEnd.map((v) => v.message.split(':')[0])).toEqual(['I2']);
  // naming the accepted messages and the snapshot read behind it
  expect(fromEnd[0]!.ops).toEqual([safe[0]!.id, safe[1]!.id, end.id]);
  // and so do they at a fault boundary (key #label, not final); a read of anything else does not
  const mid = op({ f: 'read', node: 'node3', key: 'acceptor@3:1#f1@start', result: { promised: 4, accBallot: 4, accValue: valueOf(3, 1) } });
  const i2 = paxos.check!(spec, [...safe, mid], at).violations;
  expect(i2.map((v) => v.message.split(':')[0])).toEqual(['I2']);
  expect(paxos.check!(spec, [...safe, { ...mid, key: 'acceptor@3:1' }], at).violations).toEqual([]);

  expect(paxos.check!(spec, safe.slice(0, 2), at).unknown).toMatch(/^nothing was decided/);
});
