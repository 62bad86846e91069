// What report tests and `npm run bench:report` need: Debian's chromium, driven by
// playwright-core (a dev dependency that never downloads a browser). `rdma-chaos setup` (or CI)
// should call ensureChromiumPackages(); `setup --check` can list chromiumPackagesMissing().
import { InputError } from '../../harness/errors';
import { checkPackages, installPackages, type HostPackage, type InstallOptions } from '../../harness/setup/packages';

export const CHROMIUM_PACKAGES: readonly HostPackage[] = [{ name: 'chromium', why: 'headless Chromium for the report tests and bench (no browser download)' }];

/** Debian's binary; RDMA_CHAOS_CHROMIUM overrides. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.RDMA_CHAOS_CHROMIUM ?? '/usr/bin/chromium';
}

/** Flags that keep a headless Chromium off the network and quiet in containers. */
export const CHROMIUM_ARGS: readonly string[] = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function chromiumPackagesMissing(): Promise<HostPackage[]> {
  return (await checkPackages(CHROMIUM_PACKAGES)).filter((p) => !p.installed);
}

/** Installs what is missing (idempotent); returns the names it installed. */
export async function ensureChromiumPackages(opts: InstallOptions = {}): Promise<string[]> {
  const missing = (await chromiumPackagesMissing()).map((p) => p.name);
  if (missing.length === 0) return [];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new InputError('setup.notRoot', `installing ${missing.join(' ')} needs root (sudo rdma-chaos setup)`);
  }
  await installPackages(missing, opts);
  return missing;
}
