// The checks a campaign can ask for, by name (the checkers implement them; workloads say which
// apply to them).
export const CHECK_NAMES = ['at-most-once', 'linearizability', 'stream'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];
