// The agent's evidence of its faults: nft counters summed over every re-apply of the set (a
// re-apply recreates the tables and zeroes them), readings when installed and before a heal.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FaultManager, nftCounters, type Runner } from './faults';

const listing = (table: string, comment: string, packets: number): string =>
  JSON.stringify({ nftables: [{ metainfo: {} }, { table: { family: 'inet', name: table } }, { rule: { family: 'inet', table, chain: 'in', comment, expr: [{ match: {} }, { counter: { packets, bytes: packets * 100 } }, { drop: null }] } }] });

describe('FaultManager evidence', () => {
  it('parses nft -j counters by table and comment', () => {
    expect(nftCounters(listing('rdma_chaos_a', 'ack-loss', 3))).toEqual([{ table: 'rdma_chaos_a', comment: 'ack-loss', count: { packets: 3, bytes: 300 } }]);
    expect(nftCounters('not json')).toEqual([]);
  });

  it('sums a rule counter across re-applies and takes readings at install and before the heal', async () => {
    let packets = 0;
    const calls: string[] = [];
    const run: Runner = async (argv) => {
      calls.push(argv.join(' '));
      if (argv.join(' ') === 'nft -j list ruleset') return { code: 0, stdout: listing('rdma_chaos_a', 'ack-loss', packets), stderr: '' };
      if (argv[0] === 'cat') return { code: 0, stdout: `${calls.filter((c) => c.startsWith('cat')).length === 1 ? 'down' : 'down'}\n`, stderr: '' };
      if (argv.join(' ') === 'nft list tables') return { code: 0, stdout: 'table inet rdma_chaos_a\n', stderr: '' };
      return { code: 0, stdout: '', stderr: '' };
    };
    const m = new FaultManager(path.join(mkdtempSync(path.join(tmpdir(), 'rc-fm-')), 'faults.json'), run);
    const a = { id: 'a', nft: 'table inet rdma_chaos_a {\n}\n', readings: { link: ['cat', '/sys/class/net/data0/operstate'] } };
    const first = await m.set([a]);
    expect(first.observed).toEqual({ a: { readings: { 'link@applied': 'down' } } });
    packets = 5;
    // another fault joins: the set is re-applied and a's table zeroed, its 5 kept
    const second = await m.set([a, { id: 'b', apply: [['true']] }]);
    expect(second.observed.a?.nft).toEqual({ 'ack-loss': { packets: 5, bytes: 500 } });
    packets = 2;
    const healed = await m.set([{ id: 'b', apply: [['true']] }]);
    expect(healed.observed.a).toEqual({ nft: { 'ack-loss': { packets: 7, bytes: 700 } }, readings: { 'link@applied': 'down', 'link@healing': 'down' } });
  });
});
