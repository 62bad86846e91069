import { POLICIES, settleSends, type UnresolvedOp } from '.';

const unresolved: UnresolvedOp[] = [
  { idx: 3, f: 'fadd', error: 'IBV_WC_RETRY_EXC_ERR' },
  { idx: 4, f: 'write', error: 'IBV_WC_WR_FLUSH_ERR' },
  { idx: 5, f: 'cas', error: 'IBV_WC_WR_FLUSH_ERR' },
  { idx: 6, f: 'read', error: 'IBV_WC_WR_FLUSH_ERR' },
  { idx: 7, f: 'send', error: 'ETIMEDOUT' },
];

describe('failover policies', () => {
  test('none: no failover, everything unresolved is info', () => {
    expect(POLICIES.none.plan(unresolved)).toEqual({ failover: false, repost: [], verify: [], resync: [], info: [3, 4, 5, 6, 7], fence: false });
  });

  test('replay: every unacknowledged WR is re-posted', () => {
    expect(POLICIES.replay.plan(unresolved)).toEqual({ failover: true, repost: [3, 4, 5, 6, 7], verify: [], resync: [], info: [], fence: false });
  });

  test('shift: atomics fail (info), writes/reads retransmit, sends resync, the old QP is fenced', () => {
    expect(POLICIES.shift.plan(unresolved)).toEqual({ failover: true, repost: [4, 6], verify: [], resync: [7], info: [3, 5], fence: true });
  });

  test('read-verify: writes and CAS are read first, the rest replayed', () => {
    const p = POLICIES['read-verify'];
    expect(p.plan(unresolved)).toEqual({ failover: true, repost: [3, 6, 7], verify: [4, 5], resync: [], info: [], fence: false });
    // "looks applied" is the value the op would leave: for a CAS the new value, whoever wrote it
    expect(p.looksApplied!({ f: 'cas', value: 9n, expect: 1n }, 9n)).toBe(true);
    expect(p.looksApplied!({ f: 'cas', value: 9n, expect: 1n }, 1n)).toBe(false);
    expect(p.looksApplied!({ f: 'write', value: 5n, expect: 0n }, 5n)).toBe(true);
  });

  test('the SEND handshake settles the delivered prefix and re-posts the rest', () => {
    expect(settleSends([10, 11, 12], 7n, 5n)).toEqual({ delivered: [10, 11], repost: [12] });
    expect(settleSends([10, 11, 12], 5n, 5n)).toEqual({ delivered: [], repost: [10, 11, 12] });
    expect(settleSends([10, 11], 99n, 5n)).toEqual({ delivered: [10, 11], repost: [] });
    expect(settleSends([10], 3n, 5n)).toEqual({ delivered: [], repost: [10] });
  });
});
