// The check stage on a worker thread (check.ts checkInThread): the search is synchronous, and
// on the main thread it would hold off SIGTERM for as long as its budget.
import { parentPort, workerData } from 'node:worker_threads';
import { checkStage, type CheckProgress, type RunMeta } from './check';

const d = workerData as { dir: string; meta: RunMeta; timeoutMs: number; progress: boolean };
const progress: CheckProgress | undefined = d.progress ? (p) => parentPort?.postMessage({ progress: p }) : undefined;
parentPort?.postMessage({ results: checkStage(d.dir, d.meta, d.timeoutMs, undefined, progress) });
