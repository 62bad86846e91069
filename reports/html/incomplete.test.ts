// An interrupted run (results.json says incomplete) says so in the report's header, in the
// nightly index and in the JUnit XML; a complete run says nothing of the kind. The reason is
// escaped like every other value.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderReport } from '.';
import { RUN_FILES, RunResults } from '../../harness/core';
import { buildIndex } from '../index';
import { junitXml } from '../junit';
import { loadRun } from '../run';
import { summarize } from '../summary';
import { makeSyntheticRun } from '../test-support';

let store: string;
beforeAll(() => (store = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-incomplete-'))));
afterAll(() => fs.rmSync(store, { recursive: true, force: true }));

const REASON = 'the run was interrupted (no results.json) <img src=x onerror=alert(1)>';

function run(name: string, incomplete: boolean): string {
  const dir = path.join(store, 'c', name);
  const { results } = makeSyntheticRun({ dir, ops: 300, seed: 3, startedAt: new Date(Date.UTC(2026, 0, name === 'a' ? 1 : 2)) });
  if (incomplete) {
    const r: RunResults = { ...results, incomplete: true, incompleteReason: REASON };
    fs.writeFileSync(path.join(dir, RUN_FILES.results), JSON.stringify(RunResults.parse(r)));
  }
  return dir;
}

test('the header, the index row and the JUnit XML say incomplete, with the reason escaped', () => {
  const killed = run('b', true);
  const html = renderReport(loadRun(killed));
  const header = html.slice(html.indexOf('<header>'), html.indexOf('</header>'));
  expect(header).toContain('<div class="incomplete" id="incomplete"><b>INCOMPLETE</b>: the run was interrupted (no results.json) &lt;img src=x onerror=alert(1)&gt;</div>');
  expect(summarize(loadRun(killed, { history: false }).results).incomplete).toBe(REASON);

  const xml = junitXml([{ results: loadRun(killed, { history: false }).results }]);
  expect(xml).toMatch(/<testcase name="complete run"[^>]*>\s*<error message="incomplete: the run was interrupted \(no results\.json\) &lt;img/);
});

test('a complete run shows none of it; the index marks only the interrupted run', () => {
  const whole = run('a', false);
  run('b', true);
  expect(renderReport(loadRun(whole))).not.toContain('id="incomplete"');
  expect(junitXml([{ results: loadRun(whole, { history: false }).results }])).not.toContain('complete run');
  const { file } = buildIndex(store);
  const html = fs.readFileSync(file, 'utf8');
  const rows = html.split('<tr class="st-').slice(1);
  expect(rows).toHaveLength(2);
  // newest first: b (interrupted), then a
  expect(rows[0]).toContain('>incomplete</span>');
  expect(rows[0]).toContain('title="the run was interrupted (no results.json) &lt;img src=x onerror=alert(1)&gt;"');
  expect(rows[1]).not.toContain('incomplete');
});

test('a run directory with a history and no results.json yet: the report names the recheck that writes it', () => {
  const dir = path.join(store, 'c', 'unchecked');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, RUN_FILES.history), '');
  expect(() => loadRun(dir)).toThrow(expect.objectContaining({ code: 'report.noResults', message: expect.stringContaining(`the run did not finish: \`rdma-chaos recheck ${dir}\` checks it and writes it`) }));
  fs.rmSync(dir, { recursive: true });
});

test('a run marked node-lost says so in the header, the index row and the JUnit XML', () => {
  const dir = path.join(store, 'lost', 'x');
  const { results } = makeSyntheticRun({ dir, ops: 300, seed: 4, startedAt: new Date(Date.UTC(2026, 0, 3)) });
  fs.writeFileSync(path.join(dir, RUN_FILES.results), JSON.stringify(RunResults.parse({ ...results, verdict: 'unknown', nodesLost: ['node3'] })));
  const html = renderReport(loadRun(dir));
  expect(html.slice(html.indexOf('<header>'), html.indexOf('</header>'))).toContain('<div class="incomplete" id="node-lost"><b>NODE-LOST</b>: node3 stopped answering and was not restarted');
  expect(summarize(loadRun(dir, { history: false }).results).nodesLost).toEqual(['node3']);
  expect(junitXml([{ results: loadRun(dir, { history: false }).results }])).toMatch(/<testcase name="nodes kept"[^>]*>\s*<error message="node-lost: node3" type="node-lost"/);
  expect(fs.readFileSync(buildIndex(path.join(store, 'lost')).file, 'utf8')).toContain('>node-lost</span>');
  // a run without it shows none of it
  expect(renderReport(loadRun(run('a', false)))).not.toContain('id="node-lost"');
});
