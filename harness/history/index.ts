export * from './schema';
export * from './jsonl';
export * from './ops';
export { loadHistory, detectFormat, FORMATS } from './importers';
export type { HistoryFormat, LoadedHistory } from './importers';
