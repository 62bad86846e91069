// The check stage on a worker thread (check.ts checkInThread): the search is synchronous, and
// on the main thread it would hold off SIGTERM for as long as its budget.
import { parentPort, workerData } from 'node:worker_threads';
import { checkStage, type RunMeta } from './check';

const d = workerData as { dir: string; meta: RunMeta; timeoutMs: number };
parentPort?.postMessage(checkStage(d.dir, d.meta, d.timeoutMs));
