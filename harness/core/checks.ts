// The checks a campaign can ask for, by name (the checkers implement them; workloads say which
// apply to them). `invariants`: a protocol workload's own checks over its part of the history.
export const CHECK_NAMES = ['at-most-once', 'linearizability', 'stream', 'invariants'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];
