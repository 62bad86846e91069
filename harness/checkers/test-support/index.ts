// Test support for the checkers: the brute-force oracle, a history builder, random histories.
export { bruteLinearizable } from './brute';
export { H } from './hist';
export { randomHistory, type Spec } from './random';
