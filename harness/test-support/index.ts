// Test support for the whole CLI: run `rdma-chaos ...` in-process and capture its output, and
// the fuzz tests' mutations and properties.
export { cli, type CliResult } from './cli';
export { FUZZ_RUNS, fuzzParams, clearOrValid, nasty, mutatedValue, mutatedText, runBin, expectCleanExit, type BinResult } from './fuzz';
