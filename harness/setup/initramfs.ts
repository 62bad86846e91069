// The guests' initramfs: busybox-static, our init script, the few kernel modules needed before
// the host's /usr is mounted (virtio, 9p, overlay) plus virtio_net and rdma_rxe so the rails
// come up without touching 9p, and the SSH keys. Rebuilt whenever an input changes.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../core';
import { writeCpio, type CpioEntry } from './cpio';
import type { KernelManifest } from './kernel';
import { projectRoot, type CachePaths } from './paths';
import { run } from './run';
import writeFileAtomic from 'write-file-atomic';

/** What the guest needs before /usr exists, and what we want loaded without 9p reads. */
export const INITRAMFS_MODULES = ['virtio_pci', 'virtio_net', '9pnet_virtio', '9p', 'overlay', 'rdma_rxe'] as const;

export function guestDir(): string {
  return path.join(projectRoot(), 'harness', 'cluster', 'local', 'guest');
}

interface ModuleDb {
  deps: Map<string, { file: string; deps: string[] }>;
  builtin: Set<string>;
}

const modName = (file: string): string => path.basename(file).replace(/\.ko(\.\w+)?$/, '').replace(/-/g, '_');

function readModuleDb(modulesDir: string): ModuleDb {
  const deps = new Map<string, { file: string; deps: string[] }>();
  for (const line of fs.readFileSync(path.join(modulesDir, 'modules.dep'), 'utf8').split('\n')) {
    const [file, rest] = line.split(':');
    if (!file || rest === undefined) continue;
    deps.set(modName(file), { file, deps: rest.trim().split(/\s+/).filter(Boolean).map(modName) });
  }
  const builtin = new Set<string>();
  const bpath = path.join(modulesDir, 'modules.builtin');
  if (fs.existsSync(bpath)) for (const l of fs.readFileSync(bpath, 'utf8').split('\n')) if (l) builtin.add(modName(l));
  return { deps, builtin };
}

/** Modules in load order (dependencies first), built-ins dropped. */
export function resolveModules(modulesDir: string, wanted: readonly string[]): { name: string; file: string }[] {
  const db = readModuleDb(modulesDir);
  const out: { name: string; file: string }[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const m = db.deps.get(name);
    if (!m) {
      if (db.builtin.has(name)) return;
      throw new InputError('setup.kernelModule', `kernel module ${name} not found in ${modulesDir}/modules.dep`);
    }
    for (const d of m.deps) visit(d);
    if (!m.file.endsWith('.ko')) {
      throw new InputError('setup.kernelModule', `${m.file}: compressed modules are not supported by busybox insmod`);
    }
    out.push({ name, file: path.join(modulesDir, m.file) });
  };
  for (const w of wanted) visit(w.replace(/-/g, '_'));
  return out;
}

function hasInterpreter(elf: Buffer): boolean {
  // ELF64 little-endian program headers; PT_INTERP (3) means dynamically linked
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return true;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (elf.readUInt32LE(phoff + i * phentsize) === 3) return true;
  return false;
}

export function findStaticBusybox(): string {
  for (const p of ['/usr/bin/busybox', '/bin/busybox']) {
    if (fs.existsSync(p) && !hasInterpreter(fs.readFileSync(p))) return p;
  }
  throw new InputError('setup.noBusybox', 'no static busybox (/usr/bin/busybox); install busybox-static: rdma-chaos setup');
}

export interface InitramfsInputs {
  kernel: KernelManifest;
  paths: CachePaths;
}

function inputsHash({ kernel, paths }: InitramfsInputs, busybox: string): string {
  const h = crypto.createHash('sha256');
  h.update(`format 2\0${kernel.version}\0${INITRAMFS_MODULES.join(',')}\0`);
  const st = fs.statSync(busybox);
  h.update(`${busybox}:${st.size}:${st.mtimeMs}\0`);
  for (const f of ['init.sh', 'sshd_config']) h.update(fs.readFileSync(path.join(guestDir(), f)));
  for (const f of [paths.hostKey, paths.clientPub]) h.update(fs.readFileSync(f));
  return h.digest('hex');
}

export function initramfsUpToDate(inputs: InitramfsInputs): boolean {
  try {
    const stamp = fs.readFileSync(inputs.paths.initramfsStamp, 'utf8').trim();
    return fs.existsSync(inputs.paths.initramfs) && stamp === inputsHash(inputs, findStaticBusybox());
  } catch {
    return false;
  }
}

/** Build the initramfs unless it is current. Uncompressed: the guest skips a gunzip under TCG. */
export async function ensureInitramfs(inputs: InitramfsInputs): Promise<boolean> {
  if (initramfsUpToDate(inputs)) return false;
  const { kernel, paths } = inputs;
  const busybox = findStaticBusybox();
  const mods = resolveModules(kernel.modulesDir, INITRAMFS_MODULES);
  const applets = await busyboxApplets(busybox);

  const e: CpioEntry[] = [];
  for (const d of ['.rc', '.rc/bin', '.rc/mods', '.rc/ssh', 'proc', 'sys', 'dev', 'usr', 'etc', 'run', 'mnt', 'srv',
    'srv/rdma-chaos', 'var', 'var/tmp', 'var/log', 'var/lib', 'var/cache', 'home']) {
    e.push({ kind: 'dir', path: d });
  }
  e.push({ kind: 'dir', path: 'root', mode: 0o700 }, { kind: 'dir', path: 'tmp', mode: 0o1777 });
  for (const [l, t] of [['bin', 'usr/bin'], ['sbin', 'usr/sbin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64'],
    ['var/run', '/run'], ['var/lock', '/run/lock']]) {
    e.push({ kind: 'symlink', path: l as string, target: t as string });
  }
  e.push({ kind: 'chardev', path: 'dev/console', major: 5, minor: 1 });
  e.push({ kind: 'file', path: '.rc/busybox', data: fs.readFileSync(busybox), mode: 0o755 });
  for (const a of applets) e.push({ kind: 'symlink', path: `.rc/bin/${a}`, target: '../busybox' });
  e.push({ kind: 'file', path: 'init', data: fs.readFileSync(path.join(guestDir(), 'init.sh')), mode: 0o755 });
  e.push({ kind: 'file', path: '.rc/modules', data: Buffer.from(mods.map((m) => m.name).join('\n') + '\n') });
  for (const m of mods) e.push({ kind: 'file', path: `.rc/mods/${m.name}.ko`, data: stripModuleSignature(fs.readFileSync(m.file)) });
  e.push({ kind: 'file', path: '.rc/ssh/sshd_config', data: fs.readFileSync(path.join(guestDir(), 'sshd_config')) });
  e.push({ kind: 'file', path: '.rc/ssh/ssh_host_ed25519_key', data: fs.readFileSync(paths.hostKey), mode: 0o600 });
  e.push({ kind: 'file', path: '.rc/ssh/authorized_keys', data: fs.readFileSync(paths.clientPub), mode: 0o600 });

  writeFileAtomic.sync(paths.initramfs, writeCpio(e), { mode: 0o600 });
  fs.writeFileSync(paths.initramfsStamp, inputsHash(inputs, busybox) + '\n');
  return true;
}

const SIG_MAGIC = Buffer.from('~Module signature appended~\n');

/**
 * Drop a module's appended signature. Checking 19 RSA signatures costs ~0.45 s of every TCG
 * boot; the kernel does not enforce signatures, it only marks itself tainted 'E' (unsigned
 * module), which oops reports then show. Modules loaded later from the 9p tree stay signed.
 */
export function stripModuleSignature(ko: Buffer): Buffer {
  if (ko.length < SIG_MAGIC.length + 12 || !ko.subarray(ko.length - SIG_MAGIC.length).equals(SIG_MAGIC)) return ko;
  // struct module_signature (12 bytes, sig_len big-endian in the last 4) precedes the magic
  const sigLen = ko.readUInt32BE(ko.length - SIG_MAGIC.length - 4);
  const end = ko.length - SIG_MAGIC.length - 12 - sigLen;
  return end > 0 ? ko.subarray(0, end) : ko;
}

async function busyboxApplets(busybox: string): Promise<string[]> {
  const r = await run([busybox, '--list']);
  const list = r.stdout.split('\n').map((s) => s.trim()).filter((s) => /^[\w.[-]+$/.test(s));
  if (r.code !== 0 || !list.includes('sh') || !list.includes('init')) {
    throw new InputError('setup.noBusybox', `${busybox} --list gave no sh/init applets`);
  }
  return list;
}
