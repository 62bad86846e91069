// Paxos's safety, checked from what a run recorded: the accepted proposals (every `accepted`
// message an acceptor sent, and the acceptors' own slots read at the end and at fault
// boundaries), the values proposed and the decisions. Pure: records in, violations out.
//   I1         one value per ballot among all accepted proposals
//   I2         once (b, v) is accepted by a majority, every accepted ballot above b carries v
//   Agreement  one decided value per instance
//   Validity   a decided value was proposed for that instance
export interface Accepted {
  acceptor: number;
  instance: number;
  ballot: number;
  value: number;
  /** where it was seen: a history op, or a snapshot (for the explanation) */
  source: string;
}

export interface Proposed {
  proposer: number;
  instance: number;
  value: number;
}

export interface Decided {
  proposer: number;
  instance: number;
  ballot: number;
  value: number;
  source: string;
}

export interface PaxosRecords {
  acceptors: number;
  accepted: readonly Accepted[];
  proposed: readonly Proposed[];
  decided: readonly Decided[];
}

export type PaxosInvariant = 'I1' | 'I2' | 'Agreement' | 'Validity';

export interface InvariantViolation<I extends string = PaxosInvariant> {
  invariant: I;
  instance: number;
  /** one sentence: the instance and the two values */
  message: string;
  /** the records behind it (their `source`) */
  evidence: string[];
}

function groupBy<T, K>(xs: readonly T[], key: (x: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const x of xs) {
    const k = key(x);
    const l = m.get(k);
    if (l) l.push(x);
    else m.set(k, [x]);
  }
  return m;
}

export function checkPaxos(r: PaxosRecords): InvariantViolation[] {
  const out: InvariantViolation[] = [];
  const majority = Math.floor(r.acceptors / 2) + 1;
  for (const [instance, acc] of groupBy(r.accepted, (a) => a.instance)) {
    // I1: per ballot, the first value seen and any other
    const chosen: { ballot: number; value: number; by: Accepted[] }[] = [];
    for (const [ballot, list] of groupBy(acc, (a) => a.ballot)) {
      const values = groupBy(list, (a) => a.value);
      if (values.size > 1) {
        const [[v1, l1], [v2, l2]] = [...values];
        out.push({ invariant: 'I1', instance, message: `Instance ${instance}: ballot ${ballot} was accepted with two values, ${v1} and ${v2}.`, evidence: [l1![0]!.source, l2![0]!.source] });
      }
      for (const [value, l] of values) if (new Set(l.map((a) => a.acceptor)).size >= majority) chosen.push({ ballot, value, by: l });
    }
    // I2: a chosen (b, v) and a higher ballot accepted with another value
    for (const c of chosen) {
      const bad = acc.find((a) => a.ballot > c.ballot && a.value !== c.value);
      if (bad) {
        const acceptors = [...new Set(c.by.map((a) => a.acceptor))].sort((x, y) => x - y).join(', ');
        // every accepted of the choosing majority, then the one that contradicts it
        out.push({ invariant: 'I2', instance, message: `Instance ${instance}: ${c.value} was chosen at ballot ${c.ballot} (acceptors ${acceptors}), but acceptor ${bad.acceptor} accepted ${bad.value} at the higher ballot ${bad.ballot}.`, evidence: [...c.by.map((a) => a.source), bad.source] });
      }
    }
  }
  const proposed = groupBy(r.proposed, (p) => p.instance);
  const byInstance = groupBy(r.accepted, (a) => a.instance);
  for (const [instance, list] of groupBy(r.decided, (d) => d.instance)) {
    const values = groupBy(list, (d) => d.value);
    if (values.size > 1) {
      const [[v1, l1], [v2, l2]] = [...values];
      const a = l1![0]!;
      const b = l2![0]!;
      // the two decisions, each with the accepted messages that carried its value
      const carried = (v: number): string[] => (byInstance.get(instance) ?? []).filter((x) => x.value === v).map((x) => x.source);
      out.push({ invariant: 'Agreement', instance, message: `Instance ${instance} was decided twice: ${v1} by proposer ${a.proposer} (ballot ${a.ballot}) and ${v2} by proposer ${b.proposer} (ballot ${b.ballot}).`, evidence: [a.source, ...carried(v1!), b.source, ...carried(v2!)] });
    }
    const ok = new Set((proposed.get(instance) ?? []).map((p) => p.value));
    for (const [value, l] of values) {
      if (!ok.has(value)) out.push({ invariant: 'Validity', instance, message: `Instance ${instance} decided ${value}, which no proposer proposed for it.`, evidence: [l[0]!.source] });
    }
  }
  return out;
}
