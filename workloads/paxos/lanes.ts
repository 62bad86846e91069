// Messages between nodes as batched SENDs: one lane per (from, to), each with at most one post in
// flight, so a lane's messages go out in order and a slow peer holds up only its own lane. The
// first post that fails is kept: the log stops on it (an agent lost, not a message).
import type { OpDescriptor } from '../../agents';
import { encodeMsg, type Msg } from './wire';

export interface Lanes {
  send(from: string, to: string, m: Msg): void;
  /** post every idle lane's queue */
  pump(): void;
  /** messages handed to posts so far */
  readonly sent: number;
  readonly failure: unknown;
  /** resolves once no post is in flight */
  drain(): Promise<void>;
}

export function messageLanes(post: (from: string, to: string, ops: OpDescriptor[]) => Promise<unknown>): Lanes {
  const lanes = new Map<string, { busy: boolean; queue: Msg[] }>();
  let inFlight = 0;
  let sent = 0;
  let failure: unknown;
  return {
    send(from, to, m) {
      const k = `${from}>${to}`;
      (lanes.get(k) ?? lanes.set(k, { busy: false, queue: [] }).get(k)!).queue.push(m);
    },
    pump() {
      for (const [k, l] of lanes) {
        if (l.busy || l.queue.length === 0) continue;
        const [from, to] = k.split('>') as [string, string];
        const batch = l.queue.splice(0);
        l.busy = true;
        inFlight++;
        sent += batch.length;
        post(from, to, batch.map((m): OpDescriptor => ({ f: 'send', data: encodeMsg(m) })))
          .catch((e: unknown) => (failure ??= e))
          .finally(() => {
            l.busy = false;
            inFlight--;
          });
      }
    },
    get sent() {
      return sent;
    },
    get failure() {
      return failure;
    },
    async drain() {
      while (inFlight > 0) await new Promise((ok) => setTimeout(ok, 10));
    },
  };
}
