// suite.yaml for `rdma-chaos nightly`: campaigns or globs (relative to the suite file), their
// repetitions and seeds, the cluster and the night's time budget. A directory of campaigns is a
// suite too. Every campaign is loaded here, so a bad one is refused before the night starts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { globSync } from 'tinyglobby';
import { z } from 'zod';
import { Duration, InputError, durationMs, inputAt } from '../core';
import { loadCampaign } from './load';
import { fieldError, issueError, readYaml } from './yaml';

/**
 * fresh: a new random seed per run, recorded in night.json (so --resume and replay use it);
 * campaign: the campaign's own `seed:` (fresh where it has none);
 * a number: that seed for every repetition; a list: one seed per repetition.
 */
const Seeds = z.union([z.literal('fresh'), z.literal('campaign'), z.number().int(), z.array(z.number().int()).min(1)]);
export type Seeds = z.infer<typeof Seeds>;

const Entry = z.union([
  z.string().min(1),
  z.object({ file: z.string().min(1), repetitions: z.number().int().min(1).max(100).optional(), seeds: Seeds.optional(), timeout: Duration.optional() }).strict(),
]);

export const SuiteSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,79}$/, 'lower-case letters, digits, . _ -'),
    description: z.string().optional(),
    /** local, ssh:INVENTORY or docker:HOST for every campaign (--cluster overrides) */
    cluster: z.string().regex(/^(local|ssh:.+|docker:.+)$/, 'local, ssh:INVENTORY or docker:HOST').optional(),
    /** the night's budget: no run starts after it is spent (the rest are skipped) */
    budget: Duration.default('6h'),
    repetitions: z.number().int().min(1).max(100).default(1),
    seeds: Seeds.default('fresh'),
    /** a run that takes longer is stopped (default: twice its duration plus 10 minutes) */
    timeout: Duration.optional(),
    campaigns: z.array(Entry).min(1),
  })
  .strict();

export interface SuiteEntry {
  /** the campaign file, absolute */
  file: string;
  campaign: string;
  repetitions: number;
  seeds: Seeds;
  /** the campaign's own seed, for `seeds: campaign` */
  campaignSeed?: number;
  durationMs: number;
  timeoutMs: number;
  nodes: number;
  rails: number;
}

export interface Suite {
  name: string;
  file: string;
  cluster?: string;
  budgetMs: number;
  entries: SuiteEntry[];
}

const CODE = 'suite.invalid';

export function loadSuite(file: string): Suite {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new InputError('suite.unreadable', `${file}: no such file or directory`);
  }
  // a directory of campaigns: each once, fresh seeds, the default budget
  if (st.isDirectory()) {
    const own = path.join(file, 'suite.yaml');
    if (fs.existsSync(own)) return loadSuite(own);
    return parseSuite(path.join(file, 'suite.yaml'), `name: ${dirName(file)}\ncampaigns: ['**/*.yaml']\n`, path.resolve(file));
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e: unknown) {
    throw new InputError('suite.unreadable', `${file}: ${(e as Error).message}`);
  }
  return parseSuite(file, text);
}

/** the suite in `text`; campaign paths resolve against `base` (default: the suite file's folder) */
export function parseSuite(file: string, text: string, base = path.dirname(path.resolve(file))): Suite {
  const src = readYaml(file, text, 'suite.badYaml');
  if (src.value === null || typeof src.value !== 'object' || Array.isArray(src.value)) throw inputAt('suite.notAMapping', file, 1, 'a suite is a mapping with name, campaigns, ...');
  const r = SuiteSchema.safeParse(src.value);
  if (!r.success) throw issueError(src, CODE, r.error.issues[0]!, []);
  const s = r.data;
  const entries: SuiteEntry[] = [];
  const byName = new Map<string, string>();
  s.campaigns.forEach((e, i) => {
    const spec = typeof e === 'string' ? { file: e } : e;
    const at = typeof e === 'string' ? [ 'campaigns', i ] : ['campaigns', i, 'file'];
    const files = /[*?[{]/.test(spec.file) ? globSync(spec.file, { cwd: base, absolute: true, onlyFiles: true }).filter((f) => !isSuiteFile(f, file)).sort() : [path.resolve(base, spec.file)];
    if (files.length === 0) throw fieldError(src, CODE, at, `${spec.file}: matches no file under ${base}`);
    const repetitions = spec.repetitions ?? s.repetitions;
    const seeds = spec.seeds ?? s.seeds;
    if (Array.isArray(seeds) && seeds.length !== repetitions) {
      throw fieldError(src, CODE, typeof e === 'string' || !spec.seeds ? ['seeds'] : ['campaigns', i, 'seeds'], `${seeds.length} seeds for ${repetitions} repetitions: give one per repetition`);
    }
    for (const f of files) {
      if (!fs.existsSync(f)) throw fieldError(src, CODE, at, `${spec.file}: no such file`);
      // a bad campaign fails the suite now, with its own file and line
      const c = loadCampaign(f).campaign;
      const other = byName.get(c.name);
      if (other !== undefined && other !== f) throw fieldError(src, CODE, at, `campaign name ${c.name} is used by both ${other} and ${f}: the morning view groups runs by name`);
      if (other === f) throw fieldError(src, CODE, at, `${f} is listed twice: give it repetitions instead`);
      byName.set(c.name, f);
      const dur = durationMs(c.duration);
      const timeout = spec.timeout ?? s.timeout;
      entries.push({
        file: f, campaign: c.name, repetitions, seeds, ...(c.seed !== undefined ? { campaignSeed: c.seed } : {}), durationMs: dur,
        timeoutMs: timeout !== undefined ? durationMs(timeout) : 2 * dur + 10 * 60_000,
        nodes: c.cluster.nodes, rails: c.cluster.rails,
      });
    }
  });
  return { name: s.name, file: path.resolve(file), ...(s.cluster ? { cluster: s.cluster } : {}), budgetMs: durationMs(s.budget), entries };
}

function isSuiteFile(f: string, suite: string): boolean {
  return path.resolve(f) === path.resolve(suite) || path.basename(f) === 'suite.yaml';
}

function dirName(dir: string): string {
  const n = path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]/g, '-').replace(/^[^a-z0-9]+/, '');
  return n || 'suite';
}

/** the seed of repetition `rep` (1-based); `fresh` draws from `draw` */
export function suiteSeed(e: Pick<SuiteEntry, 'seeds' | 'campaignSeed'>, rep: number, draw: () => number): number {
  const s = e.seeds;
  if (typeof s === 'number') return s;
  if (Array.isArray(s)) return s[(rep - 1) % s.length]!;
  if (s === 'campaign' && e.campaignSeed !== undefined) return e.campaignSeed;
  return draw();
}
