// Crash a node (its VM or host stops at once, no clean shutdown) and restart it afterwards.
import { z } from 'zod';
import type { ControllerFault } from '../types';

const Params = z.object({ restart: z.boolean().default(true) }).strict();
type Params = z.infer<typeof Params>;

export const crash: ControllerFault<Params> = {
  kind: 'crash',
  side: 'controller',
  summary: 'crash the node and restart it when the fault ends',
  params: Params,
  apply: (ops, target) => ops.crashNode(target.node),
  recover: async (ops, target, p) => {
    if (p.restart) await ops.restartNode(target.node);
  },
};
