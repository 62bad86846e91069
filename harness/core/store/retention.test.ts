// Retention picks exactly the runs older than the age, or all but each campaign's newest N;
// gzips their history, counters and logs byte for byte (times kept, plain files gone); leaves
// runs a live controller owns alone; is idempotent; and refuses a bad --keep in one line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { currentOwner, OWNER_FILE, writeRunOwner } from './owner';
import { RUN_FILES } from './results';
import { applyRetention, compressRunDir, parseKeep, pickOld } from './retention';

let store: string;
beforeEach(() => (store = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-retention-'))));
afterEach(() => fs.rmSync(store, { recursive: true, force: true }));

const NOW = new Date(Date.UTC(2026, 5, 30, 12));
const daysAgo = (d: number): string => new Date(NOW.getTime() - d * 86_400_000).toISOString();

/** a finished run of `campaign` that ended `ago` days before NOW, with the files retention gzips */
function run(campaign: string, name: string, ago: number | undefined): string {
  const dir = path.join(store, campaign, name);
  fs.mkdirSync(path.join(dir, RUN_FILES.agentsDir), { recursive: true });
  fs.mkdirSync(path.join(dir, RUN_FILES.consolesDir), { recursive: true });
  fs.writeFileSync(path.join(dir, RUN_FILES.results), JSON.stringify(ago === undefined ? { campaign } : { campaign, endedAt: daysAgo(ago) }));
  fs.writeFileSync(path.join(dir, RUN_FILES.campaign), `name: ${campaign}\n`);
  fs.writeFileSync(path.join(dir, RUN_FILES.history), `{"type":"invoke","process":0,"f":"read","key":"${name}"}\n`);
  fs.writeFileSync(path.join(dir, RUN_FILES.counters), '{"time":1,"node":"node1","device":"rxe0","counters":{}}\n');
  fs.writeFileSync(path.join(dir, RUN_FILES.controllerLog), `controller of ${name}\n`);
  fs.writeFileSync(path.join(dir, RUN_FILES.agentsDir, 'node1.log'), 'agent\n');
  fs.writeFileSync(path.join(dir, RUN_FILES.consolesDir, 'node1.log'), 'console\n');
  return dir;
}

const GZIPPED = [RUN_FILES.history, RUN_FILES.counters, RUN_FILES.controllerLog, 'agents/node1.log', 'consoles/node1.log'];

const refused = (message: string) => expect.objectContaining({ code: 'retention.badKeep', exitCode: 254, message: expect.stringMatching(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)) });

test('parseKeep: an age in days or hours, or a positive count; anything else names the option', () => {
  expect(parseKeep('30d')).toEqual({ kind: 'age', ms: 30 * 86_400_000 });
  expect(parseKeep('12h')).toEqual({ kind: 'age', ms: 12 * 3_600_000 });
  expect(parseKeep('1.5d')).toEqual({ kind: 'age', ms: 1.5 * 86_400_000 });
  expect(parseKeep('20')).toEqual({ kind: 'count', runs: 20 });
  for (const bad of ['', '0', '0d', '-3', '3x', '30 days', '1e3', 'd', '99999999999999999999']) {
    expect(() => parseKeep(bad)).toThrow(refused(`--keep ${JSON.stringify(bad)}: not an age (30d, 12h) or a count`));
  }
  expect(() => parseKeep('soon', '--retain')).toThrow(refused('--retain "soon": '));
});

test('by age: exactly the runs that ended longer ago; results.json without endedAt goes by its mtime', () => {
  const old = run('a', 'old', 40);
  run('a', 'young', 10);
  const edge = run('b', 'edge', 30); // exactly 30 days: not older
  const older = run('b', 'older', 31);
  const undated = run('b', 'undated', undefined);
  fs.utimesSync(path.join(undated, RUN_FILES.results), new Date(daysAgo(45)), new Date(daysAgo(45)));
  const undatedYoung = run('b', 'undated-young', undefined);
  fs.utimesSync(path.join(undatedYoung, RUN_FILES.results), new Date(daysAgo(2)), new Date(daysAgo(2)));
  // interrupted (no results.json): never retention's to compress
  fs.rmSync(path.join(run('a', 'interrupted', 90), RUN_FILES.results));
  expect(pickOld(store, parseKeep('30d'), NOW)).toEqual([old, older, undated].sort());
  expect(pickOld(store, parseKeep('30d'), NOW)).not.toContain(edge);
});

test('by count: all but each campaign\'s newest N, by when they ended', () => {
  const a = [50, 3, 20, 1].map((d, i) => run('a', `run${i}`, d));
  const b = [5, 9].map((d, i) => run('b', `run${i}`, d));
  // a campaign's name comes from results.json, not the folder
  const moved = run('elsewhere', 'moved', 100);
  fs.writeFileSync(path.join(moved, RUN_FILES.results), JSON.stringify({ campaign: 'b', endedAt: daysAgo(100) }));
  // a keeps run1 (3 days) and run3 (1 day); b (3 runs) keeps its two, not the moved one
  expect(pickOld(store, parseKeep('2'), NOW)).toEqual([a[0]!, a[2]!, moved].sort());
  expect(pickOld(store, parseKeep('3'), NOW)).toEqual([a[0]!]);
  expect(pickOld(store, parseKeep('1'), NOW)).toEqual([a[0]!, a[1]!, a[2]!, b[1]!, moved].sort());
  expect(pickOld(store, parseKeep('10'), NOW)).toEqual([]);
});

test('applyRetention gzips what it picked, byte for byte, keeping times; again, it does nothing', async () => {
  const old = run('a', 'old', 40);
  const young = run('a', 'young', 1);
  const before = new Map(GZIPPED.map((f) => [f, fs.readFileSync(path.join(old, f))]));
  const mtime = new Date(daysAgo(40));
  fs.utimesSync(path.join(old, RUN_FILES.history), mtime, mtime);

  const r = await applyRetention(store, parseKeep('30d'), NOW);
  expect(r).toEqual({ compressed: [{ dir: old, files: GZIPPED }], skipped: [] });
  for (const f of GZIPPED) {
    expect(fs.existsSync(path.join(old, f))).toBe(false);
    expect(zlib.gunzipSync(fs.readFileSync(path.join(old, `${f}.gz`))).equals(before.get(f)!)).toBe(true);
  }
  expect(fs.statSync(path.join(old, RUN_FILES.historyGz)).mtimeMs).toBe(mtime.getTime());
  // what is not data stays as it was
  expect(fs.readdirSync(old).sort()).toEqual(['agents', 'campaign.yaml', 'consoles', 'controller.log.gz', 'counters.jsonl.gz', 'history.jsonl.gz', 'results.json']);
  expect(fs.existsSync(path.join(young, RUN_FILES.history))).toBe(true);

  expect(await applyRetention(store, parseKeep('30d'), NOW)).toEqual({ compressed: [], skipped: [] });
  expect(await compressRunDir(old)).toEqual({ dir: old, files: [] });
});

test('a run a live controller owns is left alone; another host\'s too; a dead owner\'s is compressed', async () => {
  const live = run('a', 'live', 40);
  writeRunOwner(live, currentOwner());
  const remote = run('a', 'remote', 40);
  writeRunOwner(remote, { ...currentOwner(), host: 'elsewhere.example' });
  const torn = run('a', 'torn-owner', 40);
  fs.writeFileSync(path.join(torn, OWNER_FILE), '{"pid":');
  // same pid, another start time: a recycled pid, not this process
  const dead = run('a', 'dead', 40);
  writeRunOwner(dead, { ...currentOwner(), starttime: currentOwner().starttime + 1 });

  const r = await applyRetention(store, parseKeep('30d'), NOW);
  expect(r.compressed.map((c) => c.dir)).toEqual([dead]);
  expect(r.skipped.map((c) => [c.dir, c.files])).toEqual([[live, []], [remote, []], [torn, []]]);
  expect(r.skipped[0]!.skipped).toBe(`in progress (pid ${process.pid}, ${OWNER_FILE})`);
  expect(r.skipped[1]!.skipped).toBe('owned by a controller on elsewhere.example');
  for (const d of [live, remote, torn]) for (const f of GZIPPED) expect(fs.existsSync(path.join(d, f))).toBe(true);
  expect(fs.existsSync(path.join(live, RUN_FILES.historyGz))).toBe(false);
});

test('after a kill: a temp of a dead process is cleared, one of a live process kept; both files: gzipped again', async () => {
  const dir = run('a', 'killed', 40);
  const history = fs.readFileSync(path.join(dir, RUN_FILES.history));
  // killed mid-write: a partial temp; and pid 1 is always alive, its temp is not ours
  const stale = path.join(dir, `${RUN_FILES.historyGz}.999999999.tmp`);
  const busy = path.join(dir, `${RUN_FILES.historyGz}.1.tmp`);
  fs.writeFileSync(stale, zlib.gzipSync(history).subarray(0, 10));
  fs.writeFileSync(busy, 'another retention at work');
  // killed after the rename, before the plain file went: both there, the .gz not to be trusted blindly
  fs.writeFileSync(path.join(dir, RUN_FILES.countersGz), 'not what counters.jsonl holds');
  const counters = fs.readFileSync(path.join(dir, RUN_FILES.counters));

  expect((await compressRunDir(dir)).files).toEqual(GZIPPED);
  expect(fs.existsSync(stale)).toBe(false);
  expect(fs.readFileSync(busy, 'utf8')).toBe('another retention at work');
  expect(zlib.gunzipSync(fs.readFileSync(path.join(dir, RUN_FILES.historyGz))).equals(history)).toBe(true);
  expect(zlib.gunzipSync(fs.readFileSync(path.join(dir, RUN_FILES.countersGz))).equals(counters)).toBe(true);
  expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([path.basename(busy)]);
});
