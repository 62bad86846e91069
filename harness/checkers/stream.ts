// Stream order for SEND/RECV: the k-th receive must carry the k-th message sent. A duplicated
// message shifts every later receive by one ("queue sliding"); a lost one leaves a gap.
import type { Operation } from '../core';
import type { CheckerResult, Violation } from './types';
import { opLabel } from './types';

export function checkStreams(ops: readonly Operation[]): CheckerResult {
  const t0 = performance.now();
  const streams = new Map<string, Operation[]>();
  for (const op of ops) {
    if (op.f !== 'send' && op.f !== 'recv') continue;
    const k = op.key === undefined ? '' : String(op.key);
    let l = streams.get(k);
    if (!l) streams.set(k, (l = []));
    l.push(op);
  }
  const violations: Violation[] = [];
  for (const [key, list] of streams) checkStream(key, list, violations);
  const ms = performance.now() - t0;
  if (violations.length) return { checker: 'stream', verdict: 'invalid', ms, summary: `${violations.length} violation(s): ${violations[0]!.message}`, violations };
  return { checker: 'stream', verdict: 'valid', ms, summary: streams.size ? `${streams.size} stream(s) delivered in order, each message once` : 'no streams', violations };
}

function show(v: unknown): string {
  return JSON.stringify(v ?? null);
}

function checkStream(key: string, list: Operation[], out: Violation[]): void {
  const where = key ? ` on stream ${key}` : '';
  // sends in the order they were posted (RC delivers in that order): the client's work-request
  // sequence when every send has one (invocation times of batched posts can be coarse), else
  // invocation order; a failed send never reached the wire
  const sends = list.filter((op) => op.f === 'send' && op.status !== 'fail');
  const wr = (op: Operation): number | undefined => (op.rdma?.wrId === undefined ? undefined : Number(op.rdma.wrId));
  const byWr = sends.every((op) => wr(op) !== undefined) && new Set(sends.map((op) => op.node)).size <= 1;
  sends.sort(byWr ? (a, b) => wr(a)! - wr(b)! : (a, b) => a.call - b.call);
  const index = new Map<string, number>();
  sends.forEach((op, k) => index.set(show(op.value), k));
  const recvs = list.filter((op) => op.f === 'recv' && op.status === 'ok' && !op.final && op.result !== undefined).sort((a, b) => a.ret - b.ret);
  const firstRecv = new Map<string, Operation>();
  let maxIndex = -1;
  recvs.forEach((r, k) => {
    const v = show(r.result);
    const prior = firstRecv.get(v);
    const sendIdx = index.get(v);
    if (prior) {
      const s = sendIdx === undefined ? undefined : sends[sendIdx];
      out.push({
        kind: 'stream-duplicate',
        message: `Message ${v}${s ? ` (sent by ${opLabel(s)})` : ''} was delivered twice${where}: receives ${recvs.indexOf(prior) + 1} and ${k + 1}.`,
        ops: [...(s ? [s.id] : []), prior.id, r.id],
      });
    } else firstRecv.set(v, r);
    if (sendIdx !== undefined) maxIndex = Math.max(maxIndex, sendIdx);
  });
  // the k-th receive must carry the k-th message that arrived, in send order: an indeterminate
  // SEND that never arrived is no gap, but a duplicate shifts every later receive by one
  const arrived = [...new Set(recvs.map((r) => index.get(show(r.result))).filter((i): i is number => i !== undefined))].sort((a, b) => a - b);
  let firstMisaligned = -1;
  let misaligned = 0;
  recvs.forEach((r, k) => {
    if (index.get(show(r.result)) !== arrived[k]) {
      misaligned++;
      if (firstMisaligned < 0) firstMisaligned = k;
    }
  });
  // gaps: messages never received although a later one was
  let gapStart = -1;
  for (let j = 0; j <= maxIndex + 1; j++) {
    const missing = j <= maxIndex && !firstRecv.has(show(sends[j]!.value)) && sends[j]!.status === 'ok';
    if (missing && gapStart < 0) gapStart = j;
    if (!missing && gapStart >= 0) {
      const gap = sends.slice(gapStart, j);
      out.push({
        kind: 'stream-gap',
        message: `${gap.length === 1 ? `Message ${show(gap[0]!.value)} was` : `Messages ${show(gap[0]!.value)}..${show(gap[gap.length - 1]!.value)} were`} acknowledged but never delivered${where}, while later messages were.`,
        ops: gap.map((op) => op.id),
      });
      gapStart = -1;
    }
  }
  if (misaligned > 0) {
    const r = recvs[firstMisaligned]!;
    const want = arrived[firstMisaligned];
    const expected = want === undefined ? undefined : sends[want];
    out.push({
      kind: 'stream-misaligned',
      message: `From receive ${firstMisaligned + 1} on, ${misaligned} receive(s)${where} carry the wrong message (receive ${firstMisaligned + 1} got ${show(r.result)}, expected ${expected ? show(expected.value) : 'nothing'}): the receive queue slid.`,
      ops: [r.id, ...(expected ? [expected.id] : [])],
    });
  }
}
