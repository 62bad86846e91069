// The node image, built here because no registry is reachable: a debootstrap rootfs turned
// into an image with `docker import`. The rootfs tarball is cached (debootstrap takes ~40 s),
// and the image carries a label with the tarball's recipe hash so a changed recipe rebuilds it.
import type Dockerode from 'dockerode';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../core';
import { cacheDir } from '../../setup';
import { lockFile } from '../local';

/** a debootstrap another process runs is waited for this long */
const BUILD_WAIT_MS = 20 * 60_000;

export const NODE_IMAGE = 'rdma-chaos/node';
const SUITE = 'bookworm';
/** iproute2 brings `ip` and `rdma`; the rest are what faults and the contract use */
const INCLUDE = ['iproute2', 'nftables', 'iptables', 'procps', 'kmod'];
/** bulky parts of a minbase system that no node needs; dropping them halves the tarball */
const STRIP = ['var/cache/apt/archives', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/locale', 'usr/share/info'];
const RECIPE_LABEL = 'rdma-chaos.recipe';

export interface ImageOptions {
  /** where the rootfs tarball is cached; default: <rdma-chaos cache dir>/docker */
  cacheDir?: string;
  /** progress lines (debootstrap, import); never secrets */
  log?: (line: string) => void;
}

function recipe(): { hash: string; suite: string; include: string[] } {
  const hash = createHash('sha256')
    .update(JSON.stringify({ SUITE, INCLUDE, STRIP, v: 1 }))
    .digest('hex')
    .slice(0, 12);
  return { hash, suite: SUITE, include: INCLUDE };
}

/** The Debian mirror apt already uses here (the only one reachable), from sources.list*. */
export function aptMirror(root = '/etc/apt'): string {
  const files: string[] = [];
  if (fs.existsSync(path.join(root, 'sources.list'))) files.push(path.join(root, 'sources.list'));
  const dir = path.join(root, 'sources.list.d');
  if (fs.existsSync(dir)) {
    for (const f of fs.readdirSync(dir).sort()) {
      if (f.endsWith('.list') || f.endsWith('.sources')) files.push(path.join(dir, f));
    }
  }
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const found = file.endsWith('.sources') ? fromDeb822(text) : fromOneLine(text);
    if (found) return found;
  }
  throw new InputError(
    'cluster.noMirror',
    `no Debian ${SUITE} mirror found in ${root}/sources.list*: debootstrap needs one to build the ${NODE_IMAGE} image`,
  );
}

function fromOneLine(text: string): string | undefined {
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    // deb [opts] URI SUITE COMPONENTS...
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)$/.exec(line);
    if (m && m[2] === SUITE && m[3].split(/\s+/).includes('main')) return m[1];
  }
  return undefined;
}

function fromDeb822(text: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (name: string): string[] => {
      const m = new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza);
      return m ? m[1].trim().split(/\s+/) : [];
    };
    if (!field('Types').includes('deb')) continue;
    if (!field('Suites').includes(SUITE) || !field('Components').includes('main')) continue;
    const uri = field('URIs')[0];
    if (uri) return uri;
  }
  return undefined;
}

function run(cmd: string, args: string[], log?: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (b: Buffer): void => {
      tail = (tail + b.toString()).slice(-2000);
    };
    child.stdout.on('data', (b: Buffer) => {
      keep(b);
      if (log) for (const l of b.toString().split('\n')) if (l.trim()) log(l);
    });
    child.stderr.on('data', keep);
    child.on('error', (e) =>
      reject(new InputError('cluster.imageBuild', `cannot run ${cmd}: ${e.message} (install it: rdma-chaos setup)`)),
    );
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new InputError('cluster.imageBuild', `${cmd} failed with exit code ${code}: ${lastLine(tail)}`));
    });
  });
}

function lastLine(s: string): string {
  const lines = s.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '(no output)';
}

/** Path of the cached rootfs tarball for the current recipe; builds it when missing. */
export async function ensureRootfsTarball(opts: ImageOptions = {}): Promise<string> {
  const dir = opts.cacheDir ?? path.join(cacheDir(), 'docker');
  const { hash, suite, include } = recipe();
  const tarball = path.join(dir, `node-rootfs-${suite}-${hash}.tar`);
  if (fs.existsSync(tarball)) return tarball;
  fs.mkdirSync(dir, { recursive: true });
  const lockPath = path.join(dir, `node-rootfs-${hash}.lock`);
  const release = await lockFile(lockPath, 'debootstrap', {
    waitMs: BUILD_WAIT_MS,
    busy: (h) => new InputError('cluster.imageBuild', `${lockPath}: ${h ? `pid ${h.pid}` : 'another rdma-chaos'} is still building the node rootfs after ${BUILD_WAIT_MS / 60_000} min`),
    cannot: (code) => new InputError('cluster.imageBuild', `${lockPath}: cannot take the lock (${code})`),
  });
  try {
    // another process may have built it while we waited for the lock
    if (fs.existsSync(tarball)) return tarball;
    const work = fs.mkdtempSync(path.join(dir, 'rootfs-'));
    try {
      const rootfs = path.join(work, 'rootfs');
      opts.log?.(`debootstrap ${suite} into ${rootfs} (once; cached as ${tarball})`);
      await run('debootstrap', ['--variant=minbase', `--include=${include.join(',')}`, suite, rootfs, aptMirror()]);
      for (const p of STRIP) {
        const full = path.join(rootfs, p);
        fs.rmSync(full, { recursive: true, force: true });
        fs.mkdirSync(full, { recursive: true });
      }
      const partial = path.join(work, 'rootfs.tar');
      await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', partial, '.']);
      fs.renameSync(partial, tarball); // atomic: readers never see a half-written tarball
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
    return tarball;
  } finally {
    release();
  }
}

/** An exclusive lock file; a lock whose owner died is taken over. */
/** Make sure `rdma-chaos/node` exists on this Docker host for the current recipe. */
export async function ensureNodeImage(docker: Dockerode, opts: ImageOptions = {}): Promise<string> {
  const { hash } = recipe();
  try {
    const info = await docker.getImage(NODE_IMAGE).inspect();
    if (info.Config?.Labels?.[RECIPE_LABEL] === hash) return NODE_IMAGE;
  } catch (e: unknown) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
  const tarball = await ensureRootfsTarball(opts);
  opts.log?.(`docker import ${tarball} as ${NODE_IMAGE}`);
  const stream = await docker.importImage(fs.createReadStream(tarball), {
    repo: NODE_IMAGE,
    tag: 'latest',
    changes: [`LABEL ${RECIPE_LABEL}=${hash}`, 'CMD ["/bin/bash"]'],
  } as Record<string, unknown>);
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
      const failed = out?.find((o) => o.error);
      if (err || failed) reject(new InputError('cluster.imageBuild', `docker import failed: ${err?.message ?? failed?.error}`));
      else resolve();
    });
  });
  const info = await docker.getImage(NODE_IMAGE).inspect();
  if (info.Config?.Labels?.[RECIPE_LABEL] !== hash) {
    throw new InputError('cluster.imageBuild', `docker import of ${NODE_IMAGE} did not apply its label (Docker too old?)`);
  }
  return NODE_IMAGE;
}
