// Test support for the whole CLI: run `rdma-chaos ...` in-process and capture its output.
export { cli, type CliResult } from './cli';
