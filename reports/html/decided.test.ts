// The decided log section from hand-built ops: one line per slot, a slot decided twice shown as
// its two decisions side by side, each with the ops its violation names after the decide op,
// every value escaped, and no section at all for a run without decisions.
import { timeBase, type Operation } from '../../harness/core';
import { decidedLogHtml } from './decided';
import type { ViolationView } from './sections';

let id = 0;
const op = (o: Partial<Operation>): Operation => ({ id: id++, process: 1, f: 'send', status: 'ok', call: id, ret: id, callTime: id * 1e6, retTime: id * 1e6 + 10, ...o }) as Operation;
const decide = (slot: string, value: string | number, node: string): Operation => op({ f: 'decide', key: slot, value, node });

test('one line per slot; a slot decided twice: both decisions side by side with what carried each', () => {
  id = 0;
  const s1 = decide('paxos@1', 11, 'node1');
  const m1 = op({ f: 'send', key: 'node1->node2', node: 'node1', rdma: { rail: 1, qpn: 40, epoch: 2 } });
  const a = decide('paxos@2', 21, 'node1');
  const m2 = op({ f: 'send', key: 'node3->node2', node: 'node3' });
  const b = decide('paxos@2', '<b>22</b>', 'node2');
  const ops = [s1, m1, a, m2, b, decide('paxos@10', 101, 'node3')];
  const v: ViolationView = { n: 0, checker: 'paxos invariants', v: { kind: 'invariant', message: 'Agreement: Instance 2 was decided twice', ops: [a.id, m1.id, b.id, m2.id] }, match: { confidence: 'none', because: '' } } as unknown as ViolationView;
  const html = decidedLogHtml(ops, [v], timeBase(ops, []));
  expect(html).toContain('<section id="decided">');
  expect(html).toContain('1 of 3 slots were decided with more than one value');
  // the slots in numeric order, the twice-decided one marked
  expect([...html.matchAll(/<tr(?: class="twice")?><td>(paxos@\d+)<\/td>/g)].map((m) => m[1])).toEqual(['paxos@1', 'paxos@2', 'paxos@10']);
  expect(html).toMatch(/<tr class="twice"><td>paxos@2<\/td>/);
  // two sides, each with its decide op and then its carriers, the QP and epoch shown
  const sides = html.split('<div class="side">').slice(1);
  expect(sides).toHaveLength(2);
  expect(sides[0]).toMatch(/<h4>21<\/h4>.*data-op="2".*carried by:.*data-op="1".*rail 1, QP 40, epoch 2/s);
  expect(sides[1]).toMatch(/<h4>&lt;b&gt;22&lt;\/b&gt;<\/h4>.*data-op="4".*carried by:.*data-op="3"/s);
  expect(sides[0]).toContain('<button type="button" class="show" data-violation="0">');
  expect(html).not.toContain('<b>22</b>');
});

test('every slot decided once: said so; no decisions: no section', () => {
  id = 0;
  const ops = [decide('slot@1', 5, 'node1'), decide('slot@1', 5, 'node2'), op({ f: 'write', key: 'disk@1:1/1' })];
  const html = decidedLogHtml(ops, [], timeBase(ops, []));
  expect(html).toContain('1 slots, each decided with one value.');
  expect(html).toContain('<td>node1, node2</td>');
  expect(html).not.toContain('class="conflict"');
  expect(decidedLogHtml([ops[2]!], [], timeBase([ops[2]!], []))).toBe('');
});
