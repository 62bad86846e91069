// The checking side's analysis: from checker output, the history and the counter samples to the
// records results.json keeps (patterns with their evidence, counter deltas per fault window,
// per-workload statistics). Pure; reports only read what this produced.
export { classifyViolation, checksToRecords, type CheckRecord } from './patterns';
export { counterDeltas, counterWindows, type CounterWindow } from './counters';
export { workloadStats } from './stats';
