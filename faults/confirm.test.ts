// Each kind's confirmation from hand-made observations: what counts as proof it took effect,
// what shows it did not, and what cannot tell.
import { confirmFault } from '.';
import type { CounterDelta, FaultRecord } from '../harness/core';
import { netemPackets } from './delay';

const rec = (kind: string, params: Record<string, unknown>, observed?: FaultRecord['observed']): FaultRecord => ({
  id: 'f1', kind, targets: ['node2'], params: params as FaultRecord['params'], phase: 'NotInjected', start: 1, stop: 2, ...(observed ? { observed } : {}),
});
const status = (r: FaultRecord, c: CounterDelta[] = []): string => confirmFault(r, c).status;

describe('fault confirmation', () => {
  it('nft drop rules: dropped packets confirm, a zero counter is a mismatch, no counter cannot tell', () => {
    expect(confirmFault(rec('packet-loss', { rate: 20 }, { nft: { 'packet-loss': { packets: 12, bytes: 960 } } }), [])).toEqual({ status: 'confirmed', evidence: 'dropped 12 requests (960 B)' });
    expect(status(rec('packet-loss', { rate: 20 }, { nft: { 'packet-loss': { packets: 0, bytes: 0 } } }))).toBe('mismatch');
    expect(status(rec('packet-loss', { rate: 20 }))).toBe('inconclusive');
    expect(status(rec('partition', {}, { nft: { partition: { packets: 3, bytes: 300 } } }))).toBe('confirmed');
  });

  it('ack-loss names the responses that did arrive when it dropped none', () => {
    const c = confirmFault(rec('ack-loss', { opcodes: ['atomic-ack'] }, {
      nft: { 'ack-loss': { packets: 0, bytes: 0 }, 'seen ack': { packets: 40, bytes: 2400 }, 'seen atomic-ack': { packets: 0, bytes: 0 }, 'seen read-response': { packets: 7, bytes: 500 } },
    }), []);
    expect(c.status).toBe('mismatch');
    expect(c.evidence).toBe('dropped nothing: no atomic-ack reached the requester while it was in place (arrived: ack 40, atomic-ack 0, read-response 7)');
  });

  it('a fault that never took effect is inconclusive, whatever was read', () => {
    const r = rec('packet-loss', { rate: 20 }, { nft: { 'packet-loss': { packets: 5, bytes: 5 } } });
    delete r.start;
    expect(status(r)).toBe('inconclusive');
  });

  it('nic-failover: the link read down while pulled; counters of both rails go in the evidence', () => {
    const counters: CounterDelta[] = [
      { node: 'node2', device: 'rxe0', window: 'f1', deltas: { sent_pkts: 10 } },
      { node: 'node2', device: 'rxe1', window: 'f1', deltas: { sent_pkts: 900 } },
      { node: 'node1', device: 'rxe0', window: 'f1', deltas: { sent_pkts: 5 } },
    ];
    const c = confirmFault(rec('nic-failover', { method: 'cable', rail: 0 }, { readings: { 'link@before': 'up', 'link@applied': 'down', 'link@healed': 'up' } }), counters);
    expect(c).toEqual({ status: 'confirmed', evidence: 'rail 0 link up -> down -> up; rxe0 sent 10, rxe1 sent 900 packets in the window' });
    expect(status(rec('nic-failover', { method: 'link-down' }, { readings: { 'link@applied': 'up' } }))).toBe('mismatch');
    expect(status(rec('nic-failover', { method: 'cable' }, { readings: { 'link@applied': '!connection lost' } }))).toBe('inconclusive');
    const del = (out: string) => status(rec('nic-failover', { method: 'rdma-link-del' }, { readings: { 'rdma-rxe0@applied': out } }));
    expect(del('link rxe1/1 state ACTIVE physical_state LINK_UP netdev data1')).toBe('confirmed');
    expect(del('link rxe0/1 state ACTIVE physical_state LINK_UP netdev data0\nlink rxe1/1 state ACTIVE')).toBe('mismatch');
  });

  it('delay reads netem statistics; crash the node state; pause the agent process state', () => {
    const tc = (n: number) => `qdisc netem 8001: root refcnt 2 limit 1000 delay 10ms\n Sent 4000 bytes ${n} pkt (dropped 0, overlimits 0 requeues 0)\n backlog 0b 0p requeues 0`;
    expect(netemPackets(tc(41))).toBe(41);
    expect(netemPackets('qdisc fq_codel 0: root refcnt 2\n Sent 1 bytes 1 pkt')).toBeUndefined();
    // a 2 s delay read at a heal 1 s after its packets came: none sent on yet, 3 held
    const held = 'qdisc netem 8010: root refcnt 2 limit 1000 delay 2s\n Sent 0 bytes 0 pkt (dropped 0, overlimits 0 requeues 0) \n backlog 238b 3p requeues 0';
    expect(netemPackets(held)).toBe(3);
    expect(status(rec('delay', {}, { readings: { 'qdisc-data1@healing': held } }))).toBe('confirmed');
    expect(status(rec('delay', {}, { readings: { 'qdisc-data0@healing': tc(41), 'qdisc-data1@healing': tc(0) } }))).toBe('confirmed');
    expect(status(rec('delay', {}, { readings: { 'qdisc-data0@healing': tc(0) } }))).toBe('mismatch');
    expect(status(rec('delay', {}, { readings: { 'qdisc-data0@healing': 'qdisc fq_codel 0: root' } }))).toBe('mismatch');
    expect(status(rec('delay', {}))).toBe('inconclusive');
    expect(status(rec('crash', {}, { readings: { 'node@applied': 'down (its VM is not running)', 'node@healed': 'up' } }))).toBe('confirmed');
    expect(status(rec('crash', {}, { readings: { 'node@applied': 'up' } }))).toBe('mismatch');
    expect(status(rec('pause', {}, { readings: { 'agent@applied': 'Tl' } }))).toBe('confirmed');
    expect(status(rec('pause', {}, { readings: { 'agent@applied': 'Sl' } }))).toBe('mismatch');
    expect(status(rec('pause', {}, { readings: { 'agent@applied': '!exit 1: ' } }))).toBe('inconclusive');
  });
});
