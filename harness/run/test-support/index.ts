// Test support for runs on the real cluster: has every fault healed, is the history whole.
export * from './healed';
export * from './cli-run';
