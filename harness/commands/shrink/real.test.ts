// `rdma-chaos shrink` for real, on the shared local cluster, cut short by its budget so it fits
// CI: a failing fadd-replay run is shrunk with one run per candidate. Its own campaign must
// reproduce first; every candidate lands in shrink.jsonl with its real run; the campaign written
// says how it was found (and that the budget ran out, if it did); a run of it carries the
// provenance into results.json and the report. The whole search is the bench (npm run bench:shrink).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { acquireSharedCluster, type SharedCluster } from '../../cluster/test-support';
import { parseCampaign } from '../../campaign';
import { ExitCode, RUN_FILES, type RunResults } from '../../core';
import { cli } from '../../test-support';

const FADD = path.resolve(__dirname, '../../../campaigns/shift/fadd-replay.yaml');

let cluster: SharedCluster;
let work: string;

beforeAll(async () => {
  cluster = await acquireSharedCluster({ nodes: 3, rails: 2 });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rdma-chaos-shrink-real-'));
}, 15 * 60_000);

afterAll(async () => {
  await cluster?.release();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const runDir = (out: string): string => (JSON.parse(out.trim().split('\n').pop() ?? '{}') as { dir: string }).dir;

test('a failing run shrinks by real runs within its budget, and the result says how it was found', async () => {
  const store = path.join(work, 'store');
  const first = await cli('run', FADD, '--store', store, '--json', '--quiet', '--keep-cluster');
  expect(first.code).toBe(ExitCode.invalid);
  const dir = runDir(first.out);

  const s = await cli('shrink', dir, '--runs', '1', '--need', '1', '--budget', '90s', '--json', '--cluster', 'local');
  expect({ code: s.code, err: s.code === 0 ? '' : s.err.slice(-3000) }).toEqual({ code: 0, err: '' });
  const sum = JSON.parse(s.out.trim().split('\n').pop()!) as { out: string; candidates: number; exhausted: boolean; faults: [number, number]; target: { pattern?: string } };
  expect(sum).toMatchObject({ out: path.join(dir, 'shrunk.yaml'), target: { pattern: 'duplicate FADD after failover' }, faults: [2, expect.any(Number)] });
  expect(sum.candidates).toBeGreaterThanOrEqual(2);
  // the result run once more with seeds the search never used, and what that gave, in the summary and the header
  const re = (sum as unknown as { recheck: { seeds: [number, number]; reproduced: number; runs: number } }).recheck;
  expect(re).toEqual({ seeds: [expect.any(Number), expect.any(Number)], reproduced: expect.any(Number), runs: 1 });
  // progress on the terminal, one line per candidate
  // (a run whose violation came early is first tried cut after it; the original only if that fails)
  expect(s.err).toMatch(/shrink \[\d+s\/1m30s\] candidate [12]: the run's own campaign(, cut at \w+)?: reproduces \(1 of 1 runs\)/);

  // every candidate and its real run, as it ended
  const log = fs.readFileSync(path.join(dir, 'shrink.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const cands = log.filter((e) => e.candidate !== undefined) as { candidate: number; reproduced: boolean; runs: { dir?: string; verdict?: string }[] }[];
  const own = cands.filter((c) => String((c as { what?: string }).what).startsWith("the run's own campaign"));
  expect(own.map((c) => c.reproduced).pop()).toBe(true);
  expect(cands[0]).toMatchObject({ candidate: 1, what: expect.stringMatching(/^the run's own campaign/) });
  for (const c of cands) for (const r of c.runs) expect(fs.existsSync(path.join(r.dir!, RUN_FILES.results))).toBe(true);
  expect(log[log.length - 1]).toMatchObject({ done: true, out: sum.out });

  // the campaign written: a header, expect set, the provenance, and the loader takes it
  const text = fs.readFileSync(sum.out, 'utf8');
  expect(text).toMatch(new RegExp(`^# Shrunk by \`rdma-chaos shrink\` from ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(seed \\d+\\), keeping duplicate FADD after failover from at-most-once\\.\\n# ${sum.candidates} candidates tried in `));
  expect(/budget \(1m30s\) ran out/.test(text)).toBe(sum.exhausted);
  expect(text).toContain(`# Run again after the search with new seeds (${re.seeds[0]}..${re.seeds[1]}): reproduced in ${re.reproduced} of 1${re.reproduced < 1 ? ', fewer than 1: a lead to look into, not a reliable reproducer' : ''}.\n`);
  expect(log.filter((e) => e.recheck === true)).toHaveLength(1);
  const c = parseCampaign(sum.out, text);
  expect(c).toMatchObject({ name: 'fadd-replay-shrunk', expect: { verdict: 'invalid', patterns: ['duplicate-fadd'] }, shrunk: { from: dir, candidates: sum.candidates, exhausted: sum.exhausted } });
  expect(parse(text).faults.timeline).toHaveLength(sum.faults[1]);

  // a run of it carries where it came from into results.json and its report
  const again = await cli('run', sum.out, '--store', store, '--json', '--quiet', '--keep-cluster', '--report');
  const r = JSON.parse(fs.readFileSync(path.join(runDir(again.out), RUN_FILES.results), 'utf8')) as RunResults;
  expect(r.shrunk).toEqual(c.shrunk);
  const html = fs.readFileSync(path.join(runDir(again.out), 'report.html'), 'utf8');
  expect(html).toContain(`<p class="shrunk" id="shrunk">Shrunk by <code>rdma-chaos shrink</code> from run <code>${dir}</code>`);
}, 12 * 60_000);
