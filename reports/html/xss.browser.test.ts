// Planted markup in op values, keys, node names, error names, fault ids, the campaign name and
// a console excerpt must not run, with or without the CSP (the escaping alone must hold). A
// control page with one payload left unescaped proves the canary would catch it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { renderReport } from '.';
import { loadRun } from '../run';
import { HOSTILE, launchChromium, makeSyntheticRun, openWatched } from '../test-support';

jest.setTimeout(120_000);

let tmp: string;
let browser: Browser;
let html: { csp: string; bare: string };

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-xss-'));
  const dir = path.join(tmp, 'run');
  makeSyntheticRun({ dir, ops: 2500, hostile: true, kernelOops: true, unclean: true, plant: ['duplicateFadd', 'queueSliding', 'staleWrite'] });
  const run = loadRun(dir);
  html = { csp: renderReport(run), bare: renderReport(run, { csp: false }) };
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function open(name: string, content: string): Promise<Awaited<ReturnType<typeof openWatched>>> {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, content);
  const w = await openWatched(browser, `file://${f}`);
  await w.page.waitForFunction("document.body.hasAttribute('data-timeline') || document.readyState === 'complete'");
  return w;
}

test('control: an unescaped payload does trip the canary', async () => {
  const broken = html.bare.replace('<main>', `<main>${HOSTILE.img}`);
  const w = await open('control.html', broken);
  await w.page.waitForFunction('window.__pwned !== undefined', undefined, { timeout: 5000 });
  expect(await w.page.evaluate('window.__pwned')).toBe(2);
});

for (const variant of ['bare', 'csp'] as const) {
  test(`no planted script runs (${variant === 'bare' ? 'escaping alone' : 'with the CSP'}), and the payloads read as text`, async () => {
    const w = await open(`${variant}.html`, html[variant]);
    await w.page.waitForSelector('body[data-timeline="drawn"]');
    // hover every lane so tooltips render op texts that carry payloads
    // browser-side code as strings: this tree is type-checked without the DOM library
    await w.page.evaluate(`(() => {
      const seen = (window.__tips = []);
      const tip = document.getElementById('timeline-tip');
      new MutationObserver(() => seen.push(tip.textContent || '')).observe(tip, { childList: true, characterData: true, subtree: true });
    })()`);
    const lanes = await w.page.locator('#timeline .lane-label').count();
    await w.page.locator('#timeline').scrollIntoViewIfNeeded();
    const box = (await w.page.locator('#timeline').boundingBox())!;
    for (let l = 0; l < lanes; l++) for (let x = 180; x < box.width; x += 130) await w.page.mouse.move(box.x + x, box.y + 24 + l * 18 + 9, { steps: 3 });
    const tips = (await w.page.evaluate('window.__tips')) as string[];
    expect(tips.some((t) => t.includes('onerror=') || t.includes('<script>'))).toBe(true);
    await w.page.locator('button.show[data-violation="0"]').click();
    await w.page.waitForTimeout(200);
    expect(await w.page.evaluate('window.__pwned')).toBeUndefined();
    expect(w.dialogs).toEqual([]);
    expect(w.errors).toEqual([]);
    expect(await w.page.locator('img').count()).toBe(0);
    expect(await w.page.locator('[onload], [onerror]').count()).toBe(0);
    const text = await w.page.locator('body').innerText();
    expect(text).toContain(HOSTILE.script);
    expect(text).toContain(`node2${HOSTILE.img}`);
    expect(await w.page.locator('#findings pre.excerpt').innerText()).toContain(HOSTILE.script);
    expect(await w.page.title()).toContain(HOSTILE.script);
  });
}
