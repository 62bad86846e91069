// Test support for the checkers: the brute-force oracle and a history builder.
export { bruteLinearizable } from './brute';
export { H } from './hist';
