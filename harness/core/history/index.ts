export * from './schema';
export * from './jsonl';
export * from './ops';
export { loadHistory, loadOps, detectFormat, FORMATS } from './importers';
export type { HistoryFormat, LoadedHistory, LoadedOps, LoadOptions } from './importers';
export { timeBase, type TimeBase } from './timebase';
export { isGzipFile, openBytes, readBytes, type ByteSource } from './gzip';
