// A record, on disk, of everything a fixture created (netns, links, processes, directories),
// written as each piece is made. Teardown undoes the record; a fixture whose jest worker died
// (SIGKILL, crash) is swept by the next fixture that starts, since its owner PID is gone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { alive, cmdline, run, stopPid } from './host';

const DIR = process.env.RDMA_CHAOS_FIXTURES || '/run/rdma-chaos/test-fixtures';

export interface FixtureRecord {
  id: string;
  owner: number;
  /** processes to stop, each with a string its cmdline must contain to be ours */
  pids: Array<{ pid: number; marker: string }>;
  netns: string[];
  /** host-side links (bridges, veths) */
  links: string[];
  /** directories to delete; anything still mounted below them is unmounted first */
  dirs: string[];
  /** any process whose cmdline contains one of these is ours too (children we never saw) */
  cmdlineMarkers: string[];
}

export class Fixture {
  readonly rec: FixtureRecord;
  private readonly file: string;

  constructor(id: string) {
    fs.mkdirSync(DIR, { recursive: true });
    this.rec = { id, owner: process.pid, pids: [], netns: [], links: [], dirs: [], cmdlineMarkers: [] };
    this.file = path.join(DIR, `${id}.json`);
    this.save();
  }

  save(): void {
    fs.writeFileSync(this.file, JSON.stringify(this.rec));
  }

  add<K extends 'netns' | 'links' | 'dirs' | 'cmdlineMarkers'>(kind: K, name: string): void {
    this.rec[kind].push(name);
    this.save();
  }

  addPid(pid: number, marker: string): void {
    this.rec.pids.push({ pid, marker });
    this.save();
  }

  async teardown(): Promise<string[]> {
    const problems = await undo(this.rec);
    fs.rmSync(this.file, { force: true });
    return problems;
  }
}

/** Undo a record in reverse order of creation; returns what could not be undone. */
async function undo(rec: FixtureRecord): Promise<string[]> {
  const problems: string[] = [];
  for (const p of [...rec.pids].reverse()) {
    try {
      await stopPid(p.pid, p.marker);
    } catch (e: unknown) {
      problems.push(`pid ${p.pid}: ${(e as Error).message}`);
    }
  }
  for (const marker of rec.cmdlineMarkers ?? []) {
    for (const pid of pidsMatching(marker)) {
      try {
        await stopPid(pid, marker, 5000);
      } catch (e: unknown) {
        problems.push(`pid ${pid}: ${(e as Error).message}`);
      }
    }
  }
  for (const ns of [...rec.netns].reverse()) {
    const r = await run('ip', ['netns', 'del', ns]);
    if (r.code !== 0 && !/No such file/.test(r.stderr)) problems.push(`netns ${ns}: ${r.stderr.trim()}`);
  }
  for (const link of [...rec.links].reverse()) {
    const r = await run('ip', ['link', 'del', link]);
    if (r.code !== 0 && !/Cannot find device/.test(r.stderr)) problems.push(`link ${link}: ${r.stderr.trim()}`);
  }
  for (const d of rec.dirs) {
    for (const m of mountsBelow(d)) {
      const r = await run('umount', ['-l', m]);
      if (r.code !== 0) problems.push(`mount ${m}: ${r.stderr.trim()}`);
    }
    fs.rmSync(d, { recursive: true, force: true });
  }
  return problems;
}

function pidsMatching(marker: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    const pid = Number(e);
    if (Number.isInteger(pid) && pid !== process.pid && alive(pid) && cmdline(pid).includes(marker)) out.push(pid);
  }
  return out;
}

/** Mount points at or below `dir`, deepest first. */
function mountsBelow(dir: string): string[] {
  const mounts = fs
    .readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(`${dir}/`)));
  return mounts.sort((a, b) => b.length - a.length);
}

/** Tear down fixtures left by dead test processes. */
export async function sweepStale(): Promise<void> {
  if (!fs.existsSync(DIR)) return;
  for (const f of fs.readdirSync(DIR)) {
    if (!f.endsWith('.json')) continue;
    const file = path.join(DIR, f);
    let rec: FixtureRecord;
    try {
      rec = JSON.parse(fs.readFileSync(file, 'utf8')) as FixtureRecord;
    } catch {
      continue; // being written right now
    }
    if (alive(rec.owner)) continue;
    await undo(rec);
    fs.rmSync(file, { force: true });
  }
}
