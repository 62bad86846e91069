// `rdma-chaos setup`: make this host able to run a local SoftRoCE cluster. Idempotent: every
// step checks first and does nothing when its result is already there. The apt part and the
// kernel part are separate so `--check` can report each on its own.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../core';
import { ensureInitramfs, initramfsUpToDate } from './initramfs';
import { checkKernel, prepareKernel, readKernelManifest, resolveKernelVersion } from './kernel';
import { checkPackages, installPackages } from './packages';
import { cachePaths, projectRoot, type CachePaths } from './paths';
import { run } from './run';
import { ensureSshKeys, sshKeysPresent } from './sshkeys';

export { ensureInitramfs, guestDir, resolveModules } from './initramfs';
export { checkKernel, extractVmlinux, readKernelManifest } from './kernel';
export type { KernelManifest } from './kernel';
export { HOST_PACKAGES, checkPackages } from './packages';
export { DEFAULT_CACHE_DIR, DEFAULT_STATE_DIR, cacheDir, cachePaths, projectRoot, stateDir } from './paths';
export type { CachePaths } from './paths';
export { run, which } from './run';
export { ensureSshKeys, pinnedHostKey, sshKeysPresent } from './sshkeys';

export interface SetupItem {
  name: string;
  ok: boolean;
  detail: string;
  /** how to get it, when missing */
  fix?: string;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export async function checkSetup(paths: CachePaths = cachePaths()): Promise<SetupItem[]> {
  const items: SetupItem[] = [];
  items.push({
    name: 'root',
    ok: isRoot(),
    detail: isRoot() ? 'running as root' : 'not running as root',
    fix: 'run rdma-chaos setup and cluster commands as root (sudo rdma-chaos ...)',
  });
  const missing = (await checkPackages()).filter((p) => !p.installed);
  items.push({
    name: 'apt packages',
    ok: missing.length === 0,
    detail: missing.length === 0 ? 'all installed' : `missing: ${missing.map((p) => `${p.name} (${p.why})`).join(', ')}`,
    fix: `rdma-chaos setup  (apt-get install -y ${missing.map((p) => p.name).join(' ')})`,
  });
  const k = checkKernel(paths);
  items.push({
    name: 'guest kernel',
    ok: k.ok,
    detail: k.ok ? `${k.version} in ${paths.kernelsDir}` : (k.problem ?? 'missing'),
    fix: 'rdma-chaos setup  (apt-get download linux-image-<ver>-amd64, dpkg -x, depmod -b, extract vmlinux)',
  });
  const keys = sshKeysPresent(paths);
  items.push({
    name: 'ssh keys',
    ok: keys,
    detail: keys ? paths.sshDir : `no keys in ${paths.sshDir}`,
    fix: 'rdma-chaos setup',
  });
  const kernel = readKernelManifest(paths);
  const initrd = keys && kernel !== undefined && k.ok && initramfsUpToDate({ kernel, paths });
  items.push({
    name: 'initramfs',
    ok: initrd,
    detail: initrd ? paths.initramfs : `missing or out of date: ${paths.initramfs}`,
    fix: 'rdma-chaos setup',
  });
  const binding = nativeBindingPath();
  items.push({
    name: 'native verbs binding',
    ok: fs.existsSync(binding),
    detail: fs.existsSync(binding) ? binding : `not built: ${binding}`,
    fix: 'rdma-chaos setup  (npm run build:native, after libibverbs-dev is installed)',
  });
  return items;
}

/** The agent's binding in this checkout (the agents ship it to the nodes). */
function nativeBindingPath(): string {
  return path.join(projectRoot(), 'agents', 'native', 'build', 'Release', 'rdma_verbs.node');
}

export interface SetupOptions {
  paths?: CachePaths;
  /** progress lines for the user */
  log?: (line: string) => void;
  /** raw tool output (apt-get) */
  onOutput?: (chunk: string) => void;
}

/** The apt part: install missing host packages. */
export async function setupPackages(opts: SetupOptions = {}): Promise<string[]> {
  const missing = (await checkPackages()).filter((p) => !p.installed).map((p) => p.name);
  if (missing.length > 0) {
    opts.log?.(`installing ${missing.join(' ')}`);
    await installPackages(missing, { onOutput: opts.onOutput });
  }
  return missing;
}

/** The kernel part: guest kernel in the cache, SSH keys, initramfs. */
export async function setupKernel(opts: SetupOptions = {}): Promise<void> {
  const paths = opts.paths ?? cachePaths();
  fs.mkdirSync(paths.root, { recursive: true, mode: 0o755 });
  const version = await resolveKernelVersion(paths, { onOutput: opts.onOutput });
  const had = checkKernel(paths);
  const kernel = await prepareKernel(paths, version, { onOutput: opts.onOutput });
  opts.log?.(had.ok && had.version === version ? `guest kernel ${version}: cached` : `guest kernel ${version}: prepared`);
  if (ensureSshKeys(paths)) opts.log?.(`ssh keys: generated in ${paths.sshDir}`);
  if (await ensureInitramfs({ kernel, paths })) opts.log?.(`initramfs: built ${paths.initramfs}`);
}

export async function runSetup(opts: SetupOptions = {}): Promise<void> {
  if (!isRoot()) {
    throw new InputError('setup.notRoot', 'setup must run as root: it installs apt packages and writes the cache (sudo rdma-chaos setup)');
  }
  await setupPackages(opts);
  await setupNative(opts);
  await setupKernel(opts);
}

/**
 * The native binding: `npm ci` skips it on a machine without libibverbs-dev (the controller
 * does not need it), so once the packages are in, build it (a no-op when up to date).
 */
export async function setupNative(opts: SetupOptions = {}): Promise<void> {
  const root = projectRoot();
  const script = path.join(root, 'agents', 'native', 'build.js');
  if (!fs.existsSync(script)) return; // an installed package without the sources: nothing to build
  const had = fs.existsSync(nativeBindingPath());
  const r = await run([process.execPath, script], { cwd: root, onOutput: opts.onOutput });
  if (r.code !== 0) throw new InputError('setup.native', `building the native verbs binding failed: ${(r.stderr.trim().split('\n').pop() ?? '').slice(0, 300)}`);
  if (!had) opts.log?.(`native verbs binding: built ${nativeBindingPath()}`);
}
