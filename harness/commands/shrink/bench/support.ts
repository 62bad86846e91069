// What both shrink benches do: a run of a campaign through the CLI (its own process, on the one
// reused cluster), and a shrink of a run directory with its summary.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { RUN_FILES, type RunResults } from '../../../core';

export const ROOT = path.resolve(__dirname, '../../../..').replace(/\/dist$/, '');
const bin = path.join(ROOT, 'bin', 'rdma-chaos.js');

export interface BenchRun {
  dir: string;
  results: RunResults;
  ms: number;
}

export function runCampaign(store: string, file: string, seed?: number): BenchRun {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [bin, 'run', file, '--store', store, '--json', '--quiet', '--keep-cluster', ...(seed !== undefined ? ['--seed', String(seed)] : [])], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const dir = (JSON.parse(r.stdout.trim().split('\n').pop() || '{}') as { dir?: string }).dir;
  if (!dir) throw new Error(`run ${file} gave no run directory (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return { dir, results: JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.results), 'utf8')) as RunResults, ms: Date.now() - t0 };
}

export interface ShrunkCampaign {
  faults: { timeline: { id: string; kind: string; target: string; params?: { rail?: number } }[] };
  workloads: { workload: string }[];
}

export interface ShrinkEnd {
  code: number | null;
  ms: number;
  summary?: { out: string; candidates: number; exhausted: boolean };
  campaign?: ShrunkCampaign;
}

/** `rdma-chaos shrink RUN_DIR ARGS --json`, its progress on our stderr */
export async function shrinkRun(runDir: string, args: readonly string[]): Promise<ShrinkEnd> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [bin, 'shrink', runDir, ...args, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((res) => child.on('close', res));
  const ms = Date.now() - t0;
  if (code !== 0) return { code, ms };
  const summary = JSON.parse(out.trim().split('\n').pop()!) as NonNullable<ShrinkEnd['summary']>;
  return { code, ms, summary, campaign: parse(fs.readFileSync(summary.out, 'utf8')) as ShrunkCampaign };
}

export const min = (ms: number): string => `${(ms / 60_000).toFixed(1)} min`;
