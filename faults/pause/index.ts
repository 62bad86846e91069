// Pause the target's agent (SIGSTOP) and resume it (SIGCONT): a stalled client whose QPs stay up.
import { z } from 'zod';
import { inconclusive, NO_READINGS } from '../confirm';
import type { FaultPackage } from '../types';

const Params = z.object({}).strict();

export const pause: FaultPackage<z.infer<typeof Params>> = {
  kind: 'pause',
  summary: 'SIGSTOP the agent, SIGCONT it when the fault ends',
  params: Params,
  side: () => 'controller',
  randomParams: {},
  async apply(t) {
    await t.ops.signalAgent(t.info.node, 'SIGSTOP');
    t.observe('agent@applied', await t.ops.agentState(t.info.node));
    return 'Injected';
  },
  async recover(t) {
    await t.ops.signalAgent(t.info.node, 'SIGCONT');
    return 'NotInjected';
  },
  // the agent only: the node still answers probes
  cutsProbe: () => false,
  confirm(_p, i) {
    const s = i.observed?.readings?.['agent@applied'];
    if (s === undefined || s.startsWith('!')) return inconclusive(s ? `the agent's state could not be read: ${s.slice(1)}` : NO_READINGS);
    // ps STAT: T is stopped by a signal
    return s.startsWith('T') ? { status: 'confirmed', evidence: `the agent process was stopped (ps STAT ${s})` } : { status: 'mismatch', evidence: `the agent process was not stopped (ps STAT ${s})` };
  },
};
