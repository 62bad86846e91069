// Report tests and `npm run bench:report` drive Debian's chromium (installed by `rdma-chaos
// setup`, see harness/setup/packages.ts) with playwright-core, which never downloads a browser.
/** Debian's binary; RDMA_CHAOS_CHROMIUM overrides. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.RDMA_CHAOS_CHROMIUM ?? '/usr/bin/chromium';
}

/** Flags that keep a headless Chromium off the network and quiet in containers. */
export const CHROMIUM_ARGS: readonly string[] = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

