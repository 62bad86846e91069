// The guest kernel: Debian's own linux-image-<ver>-amd64, which ships rdma_rxe, fetched with
// `apt-get download` and unpacked with `dpkg -x` into the cache. It is never installed as the
// host's kernel. We boot the uncompressed vmlinux through its PVH entry: under TCG that skips
// the real-mode setup and the in-guest XZ decompression (about 2.5 s per boot).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { InputError } from '../core';
import { aptUpdate, lastLine } from './packages';
import { run, runBuffer } from './run';
import type { CachePaths } from './paths';

export interface KernelManifest {
  version: string;
  /** the uncompressed ELF kernel qemu boots directly */
  vmlinux: string;
  /** lib/modules/<version>, with modules.dep */
  modulesDir: string;
}

export interface KernelStatus {
  ok: boolean;
  version?: string;
  problem?: string;
}

export function readKernelManifest(paths: CachePaths): KernelManifest | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(paths.kernelManifest, 'utf8')) as KernelManifest;
    if (typeof m.version !== 'string' || typeof m.vmlinux !== 'string' || typeof m.modulesDir !== 'string') return undefined;
    return m;
  } catch {
    return undefined;
  }
}

export function checkKernel(paths: CachePaths): KernelStatus {
  const m = readKernelManifest(paths);
  if (!m) return { ok: false, problem: `no guest kernel in ${paths.root}` };
  for (const f of [m.vmlinux, path.join(m.modulesDir, 'modules.dep'), path.join(m.modulesDir, 'kernel')]) {
    if (!fs.existsSync(f)) return { ok: false, version: m.version, problem: `missing ${f}` };
  }
  return { ok: true, version: m.version };
}

/** The version to prepare: RDMA_CHAOS_KERNEL, else what is cached, else what Debian's metapackage points at. */
export async function resolveKernelVersion(paths: CachePaths, opts: { onOutput?: (s: string) => void } = {}): Promise<string> {
  const forced = process.env.RDMA_CHAOS_KERNEL;
  if (forced) return forced;
  const cached = readKernelManifest(paths);
  if (cached) return cached.version;
  let v = await metapackageTarget();
  if (!v) {
    await aptUpdate(opts);
    v = await metapackageTarget();
  }
  if (!v) throw new InputError('setup.noKernelPackage', 'apt knows no linux-image-amd64: check /etc/apt/sources.list');
  return v;
}

async function metapackageTarget(): Promise<string | undefined> {
  const r = await run(['apt-cache', 'depends', 'linux-image-amd64']).catch(() => undefined);
  const m = r?.stdout.match(/Depends:\s+linux-image-(\S+-amd64)\b/);
  return m?.[1];
}

/** Fetch, unpack, depmod and extract vmlinux for `version` unless the cache already has it. */
export async function prepareKernel(
  paths: CachePaths,
  version: string,
  opts: { onOutput?: (s: string) => void } = {},
): Promise<KernelManifest> {
  const cached = readKernelManifest(paths);
  if (cached?.version === version && checkKernel(paths).ok) return cached;

  const dir = path.join(paths.kernelsDir, version);
  const tree = path.join(dir, 'tree');
  const dl = path.join(dir, 'download');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dl, { recursive: true });
  const pkg = `linux-image-${version}`;
  opts.onOutput?.(`fetching ${pkg} (apt-get download)\n`);
  let r = await run(['apt-get', 'download', pkg], { cwd: dl });
  if (r.code !== 0) {
    await aptUpdate(opts);
    r = await run(['apt-get', 'download', pkg], { cwd: dl });
  }
  const deb = fs.readdirSync(dl).find((f) => f.endsWith('.deb'));
  if (r.code !== 0 || !deb) {
    throw new InputError('setup.kernelDownload', `apt-get download ${pkg} failed: ${lastLine(r.stderr) || 'no .deb'}`);
  }
  await must(['dpkg', '-x', path.join(dl, deb), tree], 'setup.kernelUnpack');
  fs.rmSync(dl, { recursive: true, force: true });

  // bookworm ships /lib/modules; later releases /usr/lib/modules. depmod -b wants the former.
  let modulesDir = path.join(tree, 'lib', 'modules', version);
  const usrModules = path.join(tree, 'usr', 'lib', 'modules', version);
  if (!fs.existsSync(modulesDir) && fs.existsSync(usrModules)) {
    fs.mkdirSync(path.join(tree, 'lib', 'modules'), { recursive: true });
    fs.symlinkSync(usrModules, modulesDir);
    modulesDir = usrModules;
  }
  await must(['depmod', '-b', tree, version], 'setup.depmod');

  const vmlinuz = path.join(tree, 'boot', `vmlinuz-${version}`);
  const vmlinux = path.join(dir, `vmlinux-${version}`);
  fs.writeFileSync(vmlinux, await extractVmlinux(fs.readFileSync(vmlinuz)));

  const manifest: KernelManifest = { version, vmlinux, modulesDir };
  fs.writeFileSync(paths.kernelManifest, JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/**
 * A bzImage is a real-mode stub plus a compressed ELF. Find the compressed stream by its magic
 * and decompress it; the first candidate that yields an ELF wins (a magic can occur by chance).
 */
export async function extractVmlinux(bzImage: Buffer): Promise<Buffer> {
  for (let off = bzImage.indexOf(XZ_MAGIC); off >= 0; off = bzImage.indexOf(XZ_MAGIC, off + 1)) {
    // --single-stream: the bzImage carries trailing data after the XZ stream
    const r = await runBuffer(['xz', '-dc', '--single-stream'], { input: bzImage.subarray(off) }).catch(() => undefined);
    if (r && r.stdout.subarray(0, 4).equals(ELF_MAGIC)) return r.stdout;
  }
  for (let off = bzImage.indexOf(GZIP_MAGIC); off >= 0; off = bzImage.indexOf(GZIP_MAGIC, off + 1)) {
    try {
      // raw inflate after the member header: it stops at the end of the deflate stream, so the
      // data the bzImage carries after the payload does not matter (gunzip would choke on it)
      const out = zlib.inflateRawSync(bzImage.subarray(off + gzipHeaderLength(bzImage, off)));
      if (out.subarray(0, 4).equals(ELF_MAGIC)) return out;
    } catch {
      /* not this one */
    }
  }
  throw new InputError('setup.vmlinux', 'no XZ or gzip compressed ELF found in the kernel image (is xz-utils installed?)');
}

/** RFC 1952 member header: 10 fixed bytes plus the optional fields its flags announce. */
function gzipHeaderLength(b: Buffer, off: number): number {
  const flg = b[off + 3] ?? 0;
  let p = off + 10;
  if (flg & 4) p += 2 + b.readUInt16LE(p); // FEXTRA
  if (flg & 8) p = b.indexOf(0, p) + 1; // FNAME
  if (flg & 16) p = b.indexOf(0, p) + 1; // FCOMMENT
  if (flg & 2) p += 2; // FHCRC
  return p - off;
}

async function must(argv: string[], code: string): Promise<void> {
  const r = await run(argv);
  if (r.code !== 0) throw new InputError(code, `${argv.join(' ')} failed: ${lastLine(r.stderr) || lastLine(r.stdout)}`);
}
