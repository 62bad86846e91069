// Paxos messages through the agent (fake binding, fast): each message is one 40-byte SEND whose
// payload is the encoded message, and a connection made with recvBytes records every receive
// with its bytes, so the receiver decodes exactly what was sent.
import { connectPeers, type AgentClient } from '../../agents';
import { startFakeAgent } from '../../agents/test-support';
import { HistoryEvent } from '../../harness/core';
import { MSG_BYTES, decodeMsg, encodeMsg, type Msg } from './wire';

let agent: AgentClient;

beforeAll(async () => {
  agent = (await startFakeAgent()).agent;
  await connectPeers(agent, agent, { recvBytes: true });
});

afterAll(async () => {
  await agent.shutdown();
});

test('messages sent as payloads arrive as bytes and decode to themselves, in order', async () => {
  const msgs: Msg[] = Array.from({ length: 20 }, (_, i) => ({
    type: (['prepare', 'promise', 'accept', 'accepted', 'nack'] as const)[i % 5]!,
    instance: 1 + (i >> 1),
    ballot: 3 * i + 1,
    sender: 1 + (i % 3),
    value: i % 5 >= 2 ? 1000 + i : 0,
    accBallot: i % 5 === 1 ? 3 * i - 2 : 0,
    accValue: i % 5 === 1 ? 2000 + i : 0,
  }));
  const r = await agent.runSlice({ slice: 'msgs', peer: agent.node, policy: 'none', ops: msgs.map((m) => ({ f: 'send' as const, data: encodeMsg(m) })) });
  expect(r).toMatchObject({ n: 20, ok: 20 });
  const until = Date.now() + 5000;
  const recvs = (): HistoryEvent[] => agent.history.filter((e) => e.f === 'recv' && e.type === 'ok');
  while (recvs().length < msgs.length && Date.now() < until) await new Promise((ok) => setTimeout(ok, 20));
  for (const e of agent.history) expect(HistoryEvent.safeParse(e).success).toBe(true);
  const got = recvs().map((e) => {
    const hex = (e.result as { bytes: string }).bytes;
    expect(hex.length).toBe(2 * MSG_BYTES);
    return decodeMsg(Buffer.from(hex, 'hex'));
  });
  expect(got).toEqual(msgs);
});
