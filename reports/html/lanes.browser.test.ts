// A run whose 4 clients on one node take a new process id after every op (hundreds of one-op
// processes), opened in a real headless Chromium: the timeline draws at most as many lanes as
// ops were open at once, each lane names the processes it holds, and so does the aggregated
// timeline of a big history (--detail-max).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { timeBase } from '../../harness/core';
import { writeReport } from '.';
import { loadRun } from '../run';
import { ARTIFACTS, checkLaneSharing, laneProcesses, launchChromium, maxConcurrency, openReport, writeOneOpRun } from '../test-support';

jest.setTimeout(120_000);

let tmp: string;
let browser: Browser;
let concurrency: number;
let run: ReturnType<typeof loadRun>;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-lanes-ui-'));
  const w = writeOneOpRun({ dir: path.join(tmp, 'run'), slots: 4, perSlot: 100 });
  expect(w.processes).toBe(400);
  run = loadRun(path.join(tmp, 'run'));
  const tb = timeBase(run.ops, run.faults);
  concurrency = maxConcurrency(run.ops.map((_, i) => ({ s: tb.start[i]!, e: tb.end[i]! })));
  expect(concurrency).toBe(4);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

for (const mode of ['detail', 'aggregate'] as const) {
  test(`400 one-op processes: at most as many lanes as ops open at once, each naming its processes, all drawn (${mode})`, async () => {
    const rep = writeReport(path.join(tmp, 'run'), path.join(tmp, `${mode}.html`), mode === 'aggregate' ? { detailMax: 50 } : {});
    expect(rep.mode).toBe(mode);
    const w = await openReport(browser, rep.file);
    const held = await laneProcesses(w);
    expect(held.length).toBeLessThanOrEqual(concurrency);
    checkLaneSharing(run, held);
    // the gutter says a lane holds many processes; its tooltip lists them
    const label = w.page.locator('#timeline .lane-label').first();
    const [text, title] = [(await label.textContent())!, (await label.locator('title').textContent())!];
    expect(text.slice(0, text.length - title.length)).toBe(`p${held[0]![0]} +${held[0]!.length - 1} more @ node1`);
    expect(title).toContain(`${held[0]!.length} processes, one after another: p${held[0]![0]}, p${held[0]![1]}, `);
    expect(await w.page.locator('#timeline-status').textContent()).toMatch(new RegExp(`^${held.length} lanes, `));
    // every lane has op bars on the canvas (ok green or info amber) along its middle row
    // browser-side code as a string: this tree is type-checked without the DOM library
    const drawn = (await w.page.evaluate(`(() => {
      const c = document.querySelector('#timeline canvas');
      const dpr = window.devicePixelRatio || 1;
      return Array.from({ length: ${held.length} }, (_, l) => {
        const y = Math.round((24 + l * 18 + 9) * dpr);
        const d = c.getContext('2d').getImageData(0, y, c.width, 1).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if ((d[i] === 0x2e && d[i + 1] === 0x9e && d[i + 2] === 0x44) || (d[i] === 0xe6 && d[i + 1] === 0xa1 && d[i + 2] === 0x00)) n++;
        return n;
      });
    })()`)) as number[];
    expect(drawn).toHaveLength(held.length);
    for (const n of drawn) expect(n).toBeGreaterThan(50);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await w.page.locator('#timeline-section').screenshot({ path: path.join(ARTIFACTS, `lanes-${mode}-timeline.png`) });
    expect(w.errors).toEqual([]);
    await w.page.close();
  });
}
