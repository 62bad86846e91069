// Crash a node and restart it afterwards. `kill`: its VM or host stops at once (no clean
// shutdown, no kernel message). `panic`: its kernel panics (`echo c > /proc/sysrq-trigger`), so
// the console shows a real panic report: what a kernel bug hit by a fault looks like, for the
// health detectors. Local guests run with panic=-1 and -no-reboot: the VM then stops.
import { z } from 'zod';
import { inconclusive, NO_READINGS } from '../confirm';
import type { FaultPackage } from '../types';

const Params = z
  .object({
    method: z.enum(['kill', 'panic']).default('kill'),
    restart: z.boolean().default(true),
  })
  .strict();
type Params = z.infer<typeof Params>;

export const crash: FaultPackage<Params> = {
  kind: 'crash',
  summary: 'crash the node (kill its VM, or panic its kernel) and restart it when the fault ends',
  params: Params,
  side: () => 'controller',
  randomParams: { restart: true },
  takesNodeAway: true,
  needs: (p) => [p.method === 'panic' ? 'own-kernel' : 'kill-node', ...(p.restart ? (['restart-node'] as const) : [])],
  async apply(t, p) {
    await (p.method === 'panic' ? t.ops.panicNode(t.info.node) : t.ops.crashNode(t.info.node));
    t.observe('node@applied', await t.ops.nodeState(t.info.node));
    return 'Injected';
  },
  async recover(t, p) {
    if (p.restart) await t.ops.restartNode(t.info.node);
    if (p.restart) t.observe('node@healed', await t.ops.nodeState(t.info.node));
    return 'NotInjected';
  },
  cutsProbe: () => true,
  confirm(_p, i) {
    const s = i.observed?.readings?.['node@applied'];
    if (s === undefined) return inconclusive(NO_READINGS);
    const back = i.observed?.readings?.['node@healed'];
    const after = back === undefined ? '' : `; after the restart: ${back}`;
    return s.startsWith('down') ? { status: 'confirmed', evidence: `the node was ${s}${after}` } : { status: 'mismatch', evidence: `the node was still ${s} after the crash${after}` };
  },
};
