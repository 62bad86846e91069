// Headless Chromium for report tests and benches: Debian's binary through playwright-core,
// never a downloaded browser. Every page records script errors, dialogs and console output.
import * as fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../browser';

export async function launchChromium(): Promise<Browser> {
  const exe = chromiumPath();
  if (!fs.existsSync(exe)) throw new Error(`${exe} not found: rdma-chaos setup installs chromium, or set RDMA_CHAOS_CHROMIUM`);
  return chromium.launch({ executablePath: exe, args: [...CHROMIUM_ARGS] });
}

export interface WatchedPage {
  page: Page;
  errors: string[];
  dialogs: string[];
  console: string[];
}

export async function openWatched(browser: Browser, url: string, viewport = { width: 1400, height: 1000 }): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport });
  const w: WatchedPage = { page, errors: [], dialogs: [], console: [] };
  page.on('pageerror', (e) => w.errors.push(e.message));
  page.on('dialog', (d) => {
    w.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => undefined);
  });
  page.on('console', (m) => w.console.push(`${m.type()}: ${m.text()}`));
  await page.goto(url, { waitUntil: 'load' });
  return w;
}
