import { checkStreams } from './stream';
import { H } from './test-support';

const sends = (h: H, n: number): H => {
  for (let i = 0; i < n; i++) h.op(1, 'send', i, 'ok', undefined, 's');
  return h;
};
const recvs = (h: H, ids: number[]): H => {
  for (const id of ids) h.op(2, 'recv', undefined, 'ok', id, 's');
  return h;
};

describe('stream checker', () => {
  it('accepts an in-order stream', () => {
    expect(checkStreams(recvs(sends(new H(), 4), [0, 1, 2, 3]).ops()).verdict).toBe('valid');
  });

  it('reports a duplicate and the queue sliding it causes', () => {
    const r = checkStreams(recvs(sends(new H(), 4), [0, 1, 1, 2, 3]).ops());
    expect(r.verdict).toBe('invalid');
    const kinds = r.violations.map((v) => v.kind);
    expect(kinds).toContain('stream-duplicate');
    expect(kinds).toContain('stream-misaligned');
    expect(r.violations.find((v) => v.kind === 'stream-misaligned')!.message).toMatch(/From receive 3 on, 3 receive/);
  });

  it('reports a gap', () => {
    const r = checkStreams(recvs(sends(new H(), 4), [0, 2, 3]).ops());
    expect(r.violations.map((v) => v.kind)).toEqual(['stream-gap']);
    expect(r.violations[0]!.message).toMatch(/Message 1 was acknowledged but never delivered/);
  });
});

describe('stream checker and indeterminate sends', () => {
  it('does not count an indeterminate SEND that never arrived as a gap or a slide', () => {
    const h = new H().op(1, 'send', 0, 'ok', undefined, 's').op(1, 'send', 1, 'info', undefined, 's').op(1, 'send', 2, 'ok', undefined, 's');
    expect(checkStreams(recvs(h, [0, 2]).ops()).verdict).toBe('valid');
  });
  it('still reports the slide a duplicate causes after an indeterminate SEND', () => {
    const h = new H().op(1, 'send', 0, 'ok', undefined, 's').op(1, 'send', 1, 'info', undefined, 's').op(1, 'send', 2, 'ok', undefined, 's');
    const r = checkStreams(recvs(h, [0, 1, 1, 2]).ops());
    expect(r.violations.map((v) => v.kind).sort()).toEqual(['stream-duplicate', 'stream-misaligned']);
  });
});

describe('stream checker send order', () => {
  it('orders sends by work-request id when the client recorded them', () => {
    // invocation times of a batch can be coarse: send 2 looks invoked before send 1
    const h = new H();
    h.events.push(
      { type: 'invoke', process: 1, f: 'send', key: 's', value: 2, time: 1, rdma: { wrId: 2 } },
      { type: 'invoke', process: 2, f: 'send', key: 's', value: 0, time: 2, rdma: { wrId: 0 } },
      { type: 'invoke', process: 3, f: 'send', key: 's', value: 1, time: 3, rdma: { wrId: 1 } },
      { type: 'ok', process: 1, f: 'send', key: 's', value: 2, time: 4, rdma: { wrId: 2 } },
      { type: 'ok', process: 2, f: 'send', key: 's', value: 0, time: 5, rdma: { wrId: 0 } },
      { type: 'ok', process: 3, f: 'send', key: 's', value: 1, time: 6, rdma: { wrId: 1 } },
    );
    for (const [i, v] of [0, 1, 2].entries()) {
      h.events.push({ type: 'invoke', process: 10 + i, f: 'recv', key: 's', time: 7 + 2 * i }, { type: 'ok', process: 10 + i, f: 'recv', key: 's', result: v, time: 8 + 2 * i });
    }
    expect(checkStreams(h.ops()).verdict).toBe('valid');
  });
});
