// report.html as text (no browser): section order, the not-clean banner first, findings above
// the verdict, every planted value escaped, the embedded data intact, nothing fetched from
// the network.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderReport } from '.';
import { loadRun } from '../run';
import { HOSTILE, makeSyntheticRun } from '../test-support';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-render-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function order(html: string, ids: string[]): number[] {
  return ids.map((id) => html.indexOf(`id="${id}"`));
}

test('sections come in the order ops teams read them; banner first when a fault is left injected', () => {
  const dir = path.join(tmp, 'unclean');
  makeSyntheticRun({ dir, ops: 1500, unclean: true, kernelOops: true });
  const html = renderReport(loadRun(dir));
  const at = order(html, ['banner', 'findings', 'summary', 'timeline-section', 'charts', 'counters', 'violations', 'campaign']);
  expect(at.every((x) => x > 0)).toBe(true);
  expect([...at].sort((a, b) => a - b)).toEqual(at);
  expect(html.indexOf('id="banner"')).toBeLessThan(html.indexOf('<header>'));
  expect(html).toMatch(/Fault packet-loss-3 \(packet-loss on node3\) reads Injected/);
  expect(html).toContain('rxe_skb_tx_dtor');
});

test('no banner for a clean run; an infrastructure fault is its own block with verdict unknown', () => {
  const dir = path.join(tmp, 'infra');
  const r = makeSyntheticRun({ dir, ops: 800, plant: [], infrastructureFault: 'rail 0 froze: probes failed with no fault active' });
  expect(r.results.verdict).toBe('unknown');
  const html = renderReport(loadRun(dir));
  expect(html).not.toContain('id="banner"');
  expect(html.indexOf('id="infrastructure-fault"')).toBeGreaterThan(html.indexOf('id="findings"'));
  expect(html.indexOf('id="infrastructure-fault"')).toBeLessThan(html.indexOf('id="summary"'));
  expect(html).toContain('rail 0 froze');
  expect(html).toContain('class="verdict verdict-unknown"');
});

test('planted markup never appears unescaped, and the embedded timeline data round-trips', () => {
  const dir = path.join(tmp, 'hostile');
  makeSyntheticRun({ dir, ops: 1200, hostile: true, kernelOops: true, plant: ['duplicateFadd', 'staleWrite'] });
  const run = loadRun(dir);
  const html = renderReport(run);
  for (const p of [HOSTILE.script, HOSTILE.img, HOSTILE.svg, '<img', '<svg onload']) expect(html).not.toContain(p);
  // exactly our two script elements: the JSON data and the client
  expect(html.match(/<script/gi)).toHaveLength(2);
  const data = /<script type="application\/json" id="timeline-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
  expect(data).not.toMatch(/[<>\u2028\u2029]/);
  const tl = JSON.parse(data) as { lanes: { node: string }[]; detail: { txt: string[] } };
  expect(tl.lanes.map((l) => l.node)).toContain(`node2${HOSTILE.img}`);
  expect(tl.detail.txt.some((t) => t.includes('<script>window.__pwned=1</script>'))).toBe(true);
  // the escaped text is there for a human to read
  expect(html).toContain('synthetic &lt;script&gt;window.__pwned=1&lt;/script&gt;');
});

test('self-contained: no external URL is loaded and a CSP pins the one inline script', () => {
  const dir = path.join(tmp, 'plain');
  makeSyntheticRun({ dir, ops: 500 });
  const html = renderReport(loadRun(dir));
  expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
  expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'/);
  expect(renderReport(loadRun(dir), { csp: false })).not.toContain('Content-Security-Policy');
});

test('over the detail threshold the timeline aggregates but keeps every violating op and its neighbourhood', () => {
  const dir = path.join(tmp, 'big');
  makeSyntheticRun({ dir, ops: 6000, plant: ['duplicateFadd', 'queueSliding'] });
  const run = loadRun(dir);
  const html = renderReport(run, { detailMax: 2000, buckets: 300 });
  const tl = JSON.parse(/id="timeline-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as { mode: string; detail?: unknown; agg: { ok: number[][]; fail: number[][]; info: number[][] }; hl: { id: number[] }; contexts: { ops: { id: number[] } }[]; violations: { ops: number[] }[] };
  expect(tl.mode).toBe('aggregate');
  expect(tl.detail).toBeUndefined();
  const total = ['ok', 'fail', 'info'].reduce((n, k) => n + (tl.agg as unknown as Record<string, number[][]>)[k]!.flat().reduce((a, b) => a + b, 0), 0);
  expect(total).toBe(run.ops.length);
  const wanted = new Set(tl.violations.flatMap((v) => v.ops));
  expect(new Set(tl.hl.id)).toEqual(wanted);
  tl.violations.forEach((v, k) => {
    for (const id of v.ops) expect(tl.contexts[k]!.ops.id).toContain(id);
  });
});

test('no violation but verdict unknown: the summary says why (the testbed broke, or a node\'s kernel died), not that a check could not decide', () => {
  const infra = path.join(tmp, 'why-infra');
  makeSyntheticRun({ dir: infra, ops: 400, plant: [], infrastructureFault: 'rail 0 froze' });
  const a = renderReport(loadRun(infra));
  expect(a).toContain('No violation, but the verdict is unknown: the testbed broke during the run (see the infrastructure fault above).');

  const oops = path.join(tmp, 'why-oops');
  const r = makeSyntheticRun({ dir: oops, ops: 400, plant: [], kernelOops: true });
  expect(r.results.checks.every((c) => c.verdict === 'valid')).toBe(true);
  // as the run loop stores it: a kernel oops makes a valid verdict unknown
  fs.writeFileSync(path.join(oops, 'results.json'), JSON.stringify({ ...r.results, verdict: 'unknown' }));
  const b = renderReport(loadRun(oops));
  expect(b).toContain('No violation, but the verdict is unknown: kernel-oops on ');
  expect(b).not.toContain('not every check could decide');
});
