// The run directory: its files' schemas, and reading and writing them.
export * from './results';
export { readResults, readCounterSamples, writeResults } from './files';
