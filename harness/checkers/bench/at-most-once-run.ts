// The measured side of bench:at-most-once, run in a fresh process so its RSS is its own.
// With --anchor it only JSON.parses every line (no validation, no pairing, nothing kept):
// the machine-speed anchor the figures are printed next to.
import * as fs from 'node:fs';
import { checkAtMostOnce } from '../at-most-once';
import { loadOps } from '../../core';

const file = process.argv[2]!;
if (process.argv[3] === '--anchor') {
  const t = performance.now();
  const data = fs.readFileSync(file);
  let lines = 0;
  for (let s = 0; s < data.length; ) {
    let e = data.indexOf(10, s);
    if (e < 0) e = data.length;
    if (e > s && JSON.parse(data.toString('utf8', s, e)) !== null) lines++;
    s = e + 1;
  }
  process.stdout.write(JSON.stringify({ ms: performance.now() - t, lines }));
  process.exit(0);
}
const c0 = process.cpuUsage();
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
    cpuMs: ((c) => (c.user + c.system) / 1000)(process.cpuUsage(c0)),
    rssMB: process.resourceUsage().maxRSS / 1024,
    verdict: r.verdict,
    violations: r.violations.map((v) => v.message),
  }),
);
