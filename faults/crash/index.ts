// Crash a node and restart it afterwards. `kill`: its VM or host stops at once (no clean
// shutdown, no kernel message). `panic`: its kernel panics (`echo c > /proc/sysrq-trigger`), so
// the console shows a real panic report: what a kernel bug hit by a fault looks like, for the
// health detectors (issue 7). Local guests run with panic=-1 and -no-reboot: the VM then stops.
import { z } from 'zod';
import type { ControllerFault } from '../types';

const Params = z
  .object({
    method: z.enum(['kill', 'panic']).default('kill'),
    restart: z.boolean().default(true),
  })
  .strict();
type Params = z.infer<typeof Params>;

export const crash: ControllerFault<Params> = {
  kind: 'crash',
  side: 'controller',
  summary: 'crash the node (kill its VM, or panic its kernel) and restart it when the fault ends',
  params: Params,
  apply: (ops, target, p) => (p.method === 'panic' ? ops.panicNode(target.node) : ops.crashNode(target.node)),
  recover: async (ops, target, p) => {
    if (p.restart) await ops.restartNode(target.node);
  },
};
