// Pause the target's agent (SIGSTOP) and resume it (SIGCONT): a stalled client whose QPs stay up.
import { z } from 'zod';
import type { ControllerFault } from '../types';

const Params = z.object({}).strict();

export const pause: ControllerFault<z.infer<typeof Params>> = {
  kind: 'pause',
  side: 'controller',
  summary: 'SIGSTOP the agent, SIGCONT it when the fault ends',
  params: Params,
  apply: (ops, target) => ops.signalAgent(target.node, 'SIGSTOP'),
  recover: (ops, target) => ops.signalAgent(target.node, 'SIGCONT'),
};
