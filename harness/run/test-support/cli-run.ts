// A campaign run through the CLI in-process (`rdma-chaos run FILE --store STORE --json
// --quiet`), as the cluster tests drive them: its exit code, run directory and results; the
// run's stderr is kept beside the runs (CI keeps test-artifacts/).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeReport } from '../../../reports';
import { launchChromium, openReport, type WatchedPage } from '../../../reports/test-support';
import { acquireSharedCluster, type SharedCluster } from '../../cluster/test-support';
import { ExitCode, RUN_FILES, type RunResults } from '../../core';
import { runCli } from '../../main';
import { historyIntegrity, nodeState, type NodeState } from './healed';

export interface CliRun {
  code: number;
  dir: string;
  results: RunResults;
}

export async function runCampaign(file: string, o: { store: string; name: string; extra?: string[] }): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await runCli(['run', file, '--store', o.store, '--json', '--quiet', ...(o.extra ?? [])], {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  fs.writeFileSync(path.join(o.store, `${o.name}.stderr.log`), err);
  const json = out.trim().split('\n').pop() ?? '';
  if (!json.startsWith('{')) throw new Error(`${o.name}: no JSON summary (exit ${code}):\n${err.slice(-3000)}`);
  const dir = (JSON.parse(json) as { dir: string }).dir;
  return { code, dir, results: JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.results), 'utf8')) as RunResults };
}

/**
 * A cluster test file's fixture: the store emptied, the shared cluster held from beforeAll to
 * afterAll, and each node's state before the first run (what "healed" is judged against).
 */
export function campaignCluster(store: string): { readonly cluster: SharedCluster; readonly baseline: ReadonlyMap<string, NodeState> } {
  let cluster: SharedCluster | undefined;
  const baseline = new Map<string, NodeState>();
  beforeAll(async () => {
    fs.rmSync(store, { recursive: true, force: true });
    fs.mkdirSync(store, { recursive: true });
    cluster = await acquireSharedCluster({ nodes: 3, rails: 2 });
    for (const n of cluster.nodes) baseline.set(n, await nodeState(cluster.driver, n));
  }, 75 * 60_000);
  afterAll(async () => {
    await cluster?.release();
  });
  return {
    get cluster(): SharedCluster {
      if (!cluster) throw new Error('the shared cluster is held from beforeAll on');
      return cluster;
    },
    baseline,
  };
}

/** a stored run's report written and opened in real Chromium for `look`; no page error after */
export async function inReport(dir: string, look: (w: WatchedPage) => Promise<void>): Promise<void> {
  const browser = await launchChromium();
  try {
    const w = await openReport(browser, writeReport(dir).file);
    await look(w);
    expect(w.errors).toEqual([]);
  } finally {
    await browser.close();
  }
}

/** what every campaign run must show: its expectation met, the exit code of its verdict, every fault confirmed and healed, an intact history */
export function expectMetAndClean(name: string, r: CliRun): void {
  const { code, dir, results } = r;
  expect({ name, expected: results.expected }).toEqual({ name, expected: expect.objectContaining({ matched: true }) });
  expect(code).toBe({ valid: ExitCode.valid, invalid: ExitCode.invalid, unknown: ExitCode.unknown }[results.verdict]);
  expect(results.clean).toBe(true);
  expect(results.infrastructureFault).toBeUndefined();
  for (const f of results.faults) expect({ name, id: f.id, status: f.confirmation?.status }).toEqual({ name, id: f.id, status: 'confirmed' });
  expect(historyIntegrity(path.join(dir, RUN_FILES.history)).problems).toEqual([]);
}
