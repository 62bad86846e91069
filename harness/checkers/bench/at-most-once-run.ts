// The measured side of bench:at-most-once, run in a fresh process so its RSS is its own.
import { checkAtMostOnce } from '../at-most-once';
import { loadOps } from '../../history/importers';

const file = process.argv[2]!;
const t0 = performance.now();
const { ops } = loadOps(file);
const t1 = performance.now();
const r = checkAtMostOnce(ops);
const t2 = performance.now();
process.stdout.write(
  JSON.stringify({
    parseMs: t1 - t0,
    checkMs: t2 - t1,
    totalMs: t2 - t0,
    rssMB: process.resourceUsage().maxRSS / 1024,
    verdict: r.verdict,
    violations: r.violations.map((v) => v.message),
  }),
);
