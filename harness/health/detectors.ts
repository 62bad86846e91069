// Kernel log detectors: a node's console (or `dmesg --follow`) lines in, the kernel's own
// reports out: panics, oopses, BUGs, WARNINGs, hung tasks, RCU stalls, lockups, rdma_rxe
// complaints, and virtio TX stalls (the frozen-fabric symptom). Pure: the run's capture feeds
// it lines with the time each arrived; the unit tests feed it recorded consoles.
import type { Finding } from '../core';

export type FindingKind = Finding['kind'];

export interface ConsoleLine {
  text: string;
  /** history clock (ns) when the line was read */
  time?: number;
  /** wall clock when the line was read (ISO) */
  wall?: string;
}

/** One report of the kernel's, possibly many lines long (an oops with its trace). */
export interface KernelEvent {
  kind: FindingKind;
  message: string;
  /** line indexes of the report, inclusive */
  first: number;
  last: number;
  /** the same report seen this many times (a NETDEV WATCHDOG repeats every 5 s) */
  count: number;
  /** kernel timestamps (s since boot) of the first and the last occurrence, when printed */
  kernelTime?: [number, number];
}

interface Trigger {
  kind: FindingKind | 'cut';
  re: RegExp;
}

/** Most severe first: a report that holds several of these takes the first kind. */
const SEVERITY: readonly FindingKind[] = [
  'kernel-panic', 'kernel-oops', 'kernel-bug', 'soft-lockup', 'rcu-stall', 'hung-task', 'kernel-warning', 'fabric-frozen', 'rxe',
];

const TRIGGERS: readonly Trigger[] = [
  { kind: 'kernel-panic', re: /Kernel panic - not syncing: .*/ },
  { kind: 'soft-lockup', re: /BUG: soft lockup - CPU#\d+ stuck for \S+.*|Watchdog detected hard LOCKUP on cpu \d+/ },
  // the die counter [#N] marks the kernel's own report (user-space faults are logged as "traps: prog[pid] general protection fault ip:...")
  { kind: 'kernel-oops', re: /(?:\bOops: |general protection fault).*\[#\d+\].*/ },
  { kind: 'kernel-bug', re: /kernel BUG at .*|\bBUG: .*/ },
  { kind: 'hung-task', re: /INFO: task \S+ blocked for more than \d+ seconds\./ },
  { kind: 'rcu-stall', re: /rcu: INFO: \S+ (?:self-)?detected stalls? on CPUs?(?:\/tasks)?:?|\S+ (?:self-)?detected stall on CPU/ },
  { kind: 'kernel-warning', re: /WARNING: CPU: \d+ PID: \d+ at .*/ },
  { kind: 'fabric-frozen', re: /\S+: NETDEV WATCHDOG: .*transmit queue \d+ timed out.*/ },
  { kind: 'cut', re: /-+\[ cut here \]-+/ },
];

/** Lines of an rdma_rxe complaint (pr_warn/pr_err from the module, prefixed by its name). */
const RXE_LINE = /\brdma_rxe: (?!loaded|unloaded)(.*)/;
/** The end of an oops or panic report. */
const END = /---\[ end (?:trace [0-9a-f]+|Kernel panic - not syncing.*) \]---/;
const RIP = /RIP: 0010:(\S+)(?: \[(\S+)\])?/;
const KTIME = /^\[\s*(\d+\.\d+)\]\s?/;

/** A report's lines: up to its end marker, a pause of this many kernel seconds, or this many lines. */
const MAX_REPORT_LINES = 120;
const MAX_GAP_S = 3;
/** Reports this close are one incident (an oops, its repeated registers, then the panic). */
const MERGE_LINES = 25;

export function kernelTime(text: string): number | undefined {
  const m = KTIME.exec(text);
  return m ? Number(m[1]) : undefined;
}

function body(text: string): string {
  return text.replace(KTIME, '');
}

function triggerOf(text: string): { kind: FindingKind | 'cut'; headline: string } | undefined {
  const b = body(text);
  for (const t of TRIGGERS) {
    const m = t.re.exec(b);
    if (m) return { kind: t.kind, headline: m[0].trim() };
  }
  const rxe = RXE_LINE.exec(b);
  if (rxe) return { kind: 'rxe', headline: `rdma_rxe: ${rxe[1]!.trim()}` };
  return undefined;
}

/** Quick test for the capture: is this line the start of a serious kernel report? */
export function isKernelTrouble(text: string): boolean {
  const t = triggerOf(text);
  return t !== undefined && t.kind !== 'cut' && t.kind !== 'kernel-warning' && t.kind !== 'rxe' && t.kind !== 'fabric-frozen';
}

interface Block {
  first: number;
  last: number;
  heads: { kind: FindingKind; headline: string }[];
  ended: boolean;
}

function more(a: FindingKind, b: FindingKind): FindingKind {
  return SEVERITY.indexOf(a) <= SEVERITY.indexOf(b) ? a : b;
}

const SINGLE_LINE: ReadonlySet<FindingKind> = new Set(['rxe', 'fabric-frozen']);
/** These follow the report they belong to (an oops, then the panic it caused). */
const FOLLOWS: ReadonlySet<FindingKind> = new Set(['kernel-panic', 'kernel-oops', 'kernel-bug']);

/** A multi-line report (or a WARNING's cut-here header still waiting for its headline). */
const isReport = (b: Block): boolean => b.heads.length === 0 || b.heads.some((h) => !SINGLE_LINE.has(h.kind));

/** Find the kernel's reports in a console, most severe kind per incident. */
export function scanConsole(lines: readonly ConsoleLine[]): KernelEvent[] {
  const blocks: Block[] = [];
  let cur: Block | undefined;
  let lastKt: number | undefined;
  const open = (b: Block): Block => {
    if (cur) cur.ended = true;
    blocks.push(b);
    return b;
  };
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.text;
    const kt = kernelTime(text);
    // a pause, or the clock going back (the node rebooted), ends a report
    const gap = kt !== undefined && lastKt !== undefined && (kt < lastKt || kt - lastKt > MAX_GAP_S);
    if (cur && !cur.ended && (gap || i - cur.first >= MAX_REPORT_LINES)) cur.ended = true;
    if (kt !== undefined) lastKt = kt;
    const trig = triggerOf(text);
    const live = cur && !cur.ended ? cur : undefined;
    if (!trig) {
      if (live) live.last = i;
    } else if (trig.kind === 'cut') {
      cur = open({ first: i, last: i, heads: [], ended: false });
    } else {
      const head = { kind: trig.kind, headline: trig.headline };
      const prev = blocks[blocks.length - 1];
      if (live && isReport(live)) {
        live.heads.push(head);
        live.last = i;
      } else if (!live && prev && isReport(prev) && FOLLOWS.has(trig.kind) && !gap && i - prev.last <= MERGE_LINES) {
        prev.heads.push(head);
        prev.last = i;
        prev.ended = false;
        cur = prev;
      } else {
        cur = open({ first: i, last: i, heads: [head], ended: SINGLE_LINE.has(trig.kind) });
      }
    }
    if (cur && !cur.ended && END.test(text)) cur.ended = true;
  }
  const events = blocks.filter((b) => b.heads.length > 0).map((b) => toEvent(b, lines));
  return dedupe(events, lines);
}

function toEvent(b: Block, lines: readonly ConsoleLine[]): KernelEvent {
  const kind = b.heads.map((h) => h.kind).reduce(more);
  const ordered = [...b.heads].sort((x, y) => SEVERITY.indexOf(x.kind) - SEVERITY.indexOf(y.kind));
  const parts = [...new Set(ordered.map((h) => h.headline))];
  let rip: string | undefined;
  for (let i = b.first; i <= b.last && !rip; i++) {
    const m = RIP.exec(lines[i]!.text);
    if (m) rip = m[2] ? `${m[1]} [${m[2]}]` : m[1];
  }
  let message = parts.slice(0, 3).join('; ');
  if (rip) message += `; RIP: ${rip}`;
  if (kind !== 'rxe' && blockText(b, lines).includes('[rdma_rxe]')) message += ' (in rdma_rxe)';
  if (kind === 'fabric-frozen') message += ' (the NIC stopped transmitting: the virtual fabric no longer drains it)';
  const k0 = kernelTime(lines[b.first]!.text);
  return { kind, message, first: b.first, last: b.last, count: 1, ...(k0 !== undefined ? { kernelTime: [k0, k0] as [number, number] } : {}) };
}

function blockText(b: { first: number; last: number }, lines: readonly ConsoleLine[]): string {
  return lines.slice(b.first, b.last + 1).map((l) => l.text).join('\n');
}

/** The same report again (numbers aside) folds into the first one, with a count. */
function dedupe(events: KernelEvent[], lines: readonly ConsoleLine[]): KernelEvent[] {
  const out: KernelEvent[] = [];
  const seen = new Map<string, KernelEvent>();
  for (const e of events) {
    const sig = `${e.kind}|${e.message.replace(/\d+/g, '#')}`;
    const first = seen.get(sig);
    if (first) {
      first.count += 1;
      const kt = kernelTime(lines[e.first]!.text);
      if (first.kernelTime && kt !== undefined) first.kernelTime = [first.kernelTime[0], kt];
      continue;
    }
    seen.set(sig, e);
    out.push(e);
  }
  for (const e of out) {
    if (e.count > 1) {
      const span = e.kernelTime ? `, kernel time ${e.kernelTime[0].toFixed(1)} s to ${e.kernelTime[1].toFixed(1)} s` : '';
      e.message += ` (seen ${e.count} times${span})`;
    }
  }
  return out;
}

/** The lines around a report, for a finding's excerpt. */
export function excerptOf(e: Pick<KernelEvent, 'first' | 'last'>, lines: readonly ConsoleLine[], before = 5, after = 2, maxLines = 100): string {
  const from = Math.max(0, e.first - before);
  const to = Math.min(lines.length - 1, e.last + after, from + maxLines - 1);
  return lines
    .slice(from, to + 1)
    .map((l) => l.text)
    .join('\n');
}
