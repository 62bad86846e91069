// What changed overnight: a suite's latest night against its previous one. Pure functions over
// Night records (harness/core/store/night.ts), so the morning view is tested on hand-built
// nights. Only met and not-met repetitions decide anything; the others (unknown, infra,
// crashed, timed-out, skipped) are listed as such and never count as a pass or a failure.
import type { Night, NightOutcome, NightRun, RunResults } from '../../harness/core';

type Verdict = RunResults['verdict'];

/** one night of one campaign: every repetition met, some, not one, or none decided */
export type CellState = 'all' | 'some' | 'nomet' | 'undecided';

export interface CampaignNight {
  campaign: string;
  /** by repetition */
  runs: NightRun[];
  met: number;
  /** met + not-met */
  decided: number;
  state: CellState;
  /** the verdict of every decided repetition; 'mixed' when they differ, absent when none decided */
  verdict?: Verdict | 'mixed';
}

export interface FindingRef {
  kind?: string;
  node?: string;
  message: string;
}

export interface Flip {
  campaign: string;
  from: CampaignNight;
  to: CampaignNight;
  /** the expectation went from met to not met or back */
  expectation: boolean;
  /** the verdict changed */
  verdict: boolean;
}

export interface NewFinding {
  campaign: string;
  finding: FindingRef;
  /** the night's runs that reported it */
  runs: NightRun[];
}

export interface NightChanges {
  suite: string;
  night: string;
  previous?: string;
  /** listed first: they are what the morning is about */
  flips: Flip[];
  /** met in only some of the decided repetitions */
  flaky: CampaignNight[];
  newFindings: NewFinding[];
  /** the testbed or the harness broke, or the checker could not decide */
  infra: NightRun[];
  skipped: NightRun[];
}

export const DECIDED: ReadonlySet<NightOutcome> = new Set(['met', 'not-met']);
/** listed as infrastructure faults, in this order; unknown last */
export const INFRA: readonly NightOutcome[] = ['infra', 'crashed', 'timed-out', 'unknown'];

export function campaignNight(campaign: string, runs: readonly NightRun[]): CampaignNight {
  const sorted = [...runs].sort((a, b) => a.repetition - b.repetition);
  const decided = sorted.filter((r) => r.outcome !== undefined && DECIDED.has(r.outcome));
  const met = decided.filter((r) => r.outcome === 'met').length;
  const state: CellState = decided.length === 0 ? 'undecided' : met === decided.length ? 'all' : met === 0 ? 'nomet' : 'some';
  const c: CampaignNight = { campaign, runs: sorted, met, decided: decided.length, state };
  const verdicts = new Set(decided.flatMap((r) => (r.verdict ? [r.verdict] : [])));
  if (verdicts.size === 1) c.verdict = [...verdicts][0]!;
  else if (verdicts.size > 1) c.verdict = 'mixed';
  return c;
}

/** a night's campaigns, in the order the suite ran them */
export function campaignNights(n: Night): Map<string, CampaignNight> {
  const by = new Map<string, NightRun[]>();
  for (const r of n.runs) {
    let l = by.get(r.campaign);
    if (!l) by.set(r.campaign, (l = []));
    l.push(r);
  }
  return new Map([...by].map(([c, runs]) => [c, campaignNight(c, runs)]));
}

/** the findings a night run recorded (the index passes the ones of its results.json instead) */
export function nightRunFindings(r: NightRun): FindingRef[] {
  return (r.findings ?? []).map((message) => ({ message }));
}

/** the same finding on another night: kind and message, with addresses, times and counts blanked */
export function findingKey(f: FindingRef): string {
  return `${f.kind ?? ''}\u0000${f.message.replace(/0x[0-9a-f]+|\d+/gi, '#').trim()}`;
}

function definite(c: CampaignNight): 'met' | 'not-met' | undefined {
  return c.state === 'all' ? 'met' : c.state === 'nomet' ? 'not-met' : undefined;
}

function single(c: CampaignNight): Verdict | undefined {
  return c.verdict === 'mixed' ? undefined : c.verdict;
}

export function whatChanged(latest: Night, previous: Night | undefined, findingsOf: (r: NightRun) => FindingRef[] = nightRunFindings): NightChanges {
  const now = campaignNights(latest);
  const before = previous ? campaignNights(previous) : new Map<string, CampaignNight>();
  const ch: NightChanges = { suite: latest.suite, night: latest.night, flips: [], flaky: [], newFindings: [], infra: [], skipped: [] };
  if (previous) ch.previous = previous.night;
  for (const [campaign, to] of now) {
    const from = before.get(campaign);
    if (from) {
      // only decided nights flip: a flaky or undecided one is listed as such instead
      const [a, b] = [definite(from), definite(to)];
      const [va, vb] = [single(from), single(to)];
      const expectation = a !== undefined && b !== undefined && a !== b;
      const verdict = va !== undefined && vb !== undefined && va !== vb;
      if (expectation || verdict) ch.flips.push({ campaign, from, to, expectation, verdict });
    }
    if (to.state === 'some') ch.flaky.push(to);
  }
  const seen = new Set<string>();
  if (previous) for (const r of previous.runs) for (const f of findingsOf(r)) seen.add(`${r.campaign}\u0000${findingKey(f)}`);
  const fresh = new Map<string, NewFinding>();
  for (const r of latest.runs) {
    for (const f of findingsOf(r)) {
      const key = `${r.campaign}\u0000${findingKey(f)}`;
      if (seen.has(key)) continue;
      const nf = fresh.get(key);
      if (nf) {
        if (!nf.runs.includes(r)) nf.runs.push(r);
      } else fresh.set(key, { campaign: r.campaign, finding: f, runs: [r] });
    }
  }
  ch.newFindings = [...fresh.values()];
  ch.infra = latest.runs.filter((r) => r.outcome !== undefined && INFRA.includes(r.outcome)).sort((a, b) => INFRA.indexOf(a.outcome!) - INFRA.indexOf(b.outcome!));
  ch.skipped = latest.runs.filter((r) => r.outcome === 'skipped');
  return ch;
}

/** nothing for the morning to read */
export function quiet(ch: NightChanges): boolean {
  return ch.flips.length + ch.flaky.length + ch.newFindings.length + ch.infra.length === 0;
}
