// One measurement of bench:checker-scale, in a child process of its own so its peak RSS is
// its own: load the history (parsing counted), check it, print one JSON line.
import { checkHistory } from '..';
import { loadOps } from '../../core';

const [file, model, timeoutS] = process.argv.slice(2);
const t0 = performance.now();
const budgetMs = Number(timeoutS ?? 60) * 1000;
const deadline = Date.now() + budgetMs;
const h = loadOps(file!, 'native', { deadline });
const loadMs = performance.now() - t0;
const c = h.truncated ? undefined : checkHistory(h.ops, { format: 'native', model: model!, timeoutMs: Math.max(0, deadline - Date.now()), budget: { totalMs: budgetMs, spent: [{ what: 'reading', ms: loadMs }] }, explain: false });
const lin = c?.results.find((r) => r.checker.startsWith('linearizable'));
process.stdout.write(
  JSON.stringify({
    verdict: c?.verdict ?? 'unknown',
    linearizable: lin?.verdict ?? 'unknown',
    summary: lin?.summary ?? 'out of time while reading',
    loadMs,
    checkMs: c?.ms ?? 0,
    wallMs: performance.now() - t0,
    // on a shared host the CPU this process got says more than the wall clock
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
