// Pause the target's agent (SIGSTOP) and resume it (SIGCONT): a stalled client whose QPs stay up.
import { z } from 'zod';
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
    return 'Injected';
  },
  async recover(t) {
    await t.ops.signalAgent(t.info.node, 'SIGCONT');
    return 'NotInjected';
  },
  // the agent only: the node still answers probes
  cutsProbe: () => false,
};
