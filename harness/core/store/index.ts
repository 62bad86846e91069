// The run directory: its files' schemas, and reading and writing them.
export * from './results';
export { readResults, readCounterSamples, runDataFile, writeResults } from './files';
export { OWNER_FILE, currentOwner, findInterruptedRuns, ownerState, walkRunDirs, readRunOwner, removeRunOwner, RunOwner, writeRunOwner, type OwnerState } from './owner';
export { NIGHTS_DIR, NIGHT_FILES, Night, NightOutcome, NightRun, nightExit } from './night';
export { applyRetention, compressRunDir, parseKeep, pickOld, type CompressedRun, type Keep, type RetentionOptions, type RetentionResult } from './retention';
