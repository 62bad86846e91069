// Which faults explain a failed probe or a silent node. The watchdog's probes (ICMP echo on a
// data rail) stay outside the faulted traffic classes: packet-loss and ack-loss match RoCEv2
// (UDP 4791) only, pause stops an agent, rdma-link-del removes the RDMA device but not the IP
// link. A partition, a link down or cable pull, a crash, or netem that drops or holds most
// packets does cut the probe: then the failure says nothing about the testbed. Pure.

/** A fault as the nemesis knows it: what, where, and when (history clock, ns). */
export interface FaultWindow {
  id: string;
  kind: string;
  target: string;
  params: Readonly<Record<string, unknown>>;
  /** when the nemesis started applying it */
  invoked: number;
  /** when it took effect / was healed; absent while applying / not healed */
  start?: number;
  stop?: number;
}

/** One probe: `from` pings `to` over a rail. */
export interface ProbePath {
  from: string;
  to: string;
  rail: number;
}

export interface ExplainOptions {
  /** a fault healed this recently still explains (links take seconds to come back); ns */
  graceNs: number;
  /** the probe's failure threshold (ms): netem holding packets half this long explains it */
  failAfterMs: number;
}

/**
 * The fault was (or may have been) in place at some moment of [from, to]: from when applying
 * began (a crash is in effect before the nemesis hears back: the panic's console lines come
 * first), to its heal plus the grace.
 */
export function activeDuring(f: FaultWindow, from: number, to: number, graceNs = 0): boolean {
  if (f.invoked > to) return false;
  return f.stop === undefined || f.stop + graceNs >= from;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** a campaign Duration ('250ms', '2s', or a number of ms) -> ms; undefined when unreadable */
export function durationToMs(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v.trim());
  if (!m) return undefined;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

function railsOf(params: Readonly<Record<string, unknown>>): number[] | undefined {
  const r = params.rails;
  return Array.isArray(r) ? r.filter((x): x is number => typeof x === 'number') : undefined;
}

/** Does this fault, while in place, cut the probe path? */
export function cutsPath(f: FaultWindow, p: ProbePath, o: Pick<ExplainOptions, 'failAfterMs'>): boolean {
  const touches = p.from === f.target || p.to === f.target;
  if (!touches) return false;
  const other = p.from === f.target ? p.to : p.from;
  switch (f.kind) {
    case 'crash':
      return true;
    case 'partition': {
      const from = f.params.from;
      return !Array.isArray(from) || from.includes(other);
    }
    case 'nic-failover': {
      if (f.params.method === 'rdma-link-del') return false; // the IP link stays up
      return (num(f.params.rail) ?? 0) === p.rail;
    }
    case 'delay': {
      const rails = railsOf(f.params);
      if (rails && !rails.includes(p.rail)) return false;
      const loss = num(f.params.loss) ?? 0;
      const held = (durationToMs(f.params.delay ?? '10ms') ?? 0) + (durationToMs(f.params.jitter ?? 0) ?? 0);
      return loss >= 50 || held >= o.failAfterMs / 2;
    }
    default:
      // packet-loss / ack-loss (RoCEv2 only), pause (the agent only), and kinds we do not know
      return false;
  }
}

/** The fault that explains a probe path failing at `now`, if any. */
export function explainPath(faults: readonly FaultWindow[], p: ProbePath, now: number, o: ExplainOptions): FaultWindow | undefined {
  return faults.find((f) => cutsPath(f, p, o) && activeDuring(f, now, now, o.graceNs));
}

/** The fault that explains a node not answering at `now` (only a crash takes a node away). */
export function explainNode(faults: readonly FaultWindow[], node: string, now: number, o: Pick<ExplainOptions, 'graceNs'>): FaultWindow | undefined {
  return faults.find((f) => f.kind === 'crash' && f.target === node && activeDuring(f, now, now, o.graceNs));
}

/** Fault ids in place at some moment of [from, to] (a finding's "faults active then"). */
export function activeIds(faults: readonly FaultWindow[], from: number, to: number): string[] {
  return faults.filter((f) => activeDuring(f, from, to)).map((f) => f.id);
}
