// History files that may be gzipped: retention compresses old runs' histories, and a user may
// check a .gz by hand. A file is gzip when it starts with gzip's magic bytes, whatever its name.
// The readers are synchronous and stream a chunk at a time, so inflating must be too: minizlib
// drives Node's native zlib synchronously (node:zlib has only whole-buffer sync calls, which
// for a 200 MB history hold all of it in memory; pure-JS inflaters were 4x slower here).
import * as fs from 'node:fs';
import { Gunzip } from 'minizlib';
import { inputAt, type InputError } from '../errors';

const MAGIC = [0x1f, 0x8b] as const;
// small: one chunk of compressed input may inflate up to 1000-fold, all of it at once
const IN_CHUNK = 64 << 10;

/** the bytes of a file, inflated when it is gzip, `read` like fs.readSync */
export interface ByteSource {
  /** the file's bytes consumed so far, of `size` (the compressed ones for gzip): progress */
  readonly consumed: number;
  readonly size: number;
  read(buf: Buffer, offset: number, length: number): number;
  close(): void;
}

export function isGzipFile(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(2);
    return fs.readSync(fd, head, 0, 2, 0) === 2 && head[0] === MAGIC[0] && head[1] === MAGIC[1];
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Opens `file` for reading (fs errors are thrown as they are, for the caller to word). */
export function openBytes(file: string): ByteSource {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    return isGzipFile(file) ? new GunzipSource(file, fd, size) : new PlainSource(fd, size);
  } catch (e: unknown) {
    fs.closeSync(fd);
    throw e;
  }
}

/** The whole file, inflated when it is gzip: for readers that read whole files anyway. */
export function readBytes(file: string): Buffer {
  if (!isGzipFile(file)) return fs.readFileSync(file);
  const src = openBytes(file);
  try {
    const parts: Buffer[] = [];
    for (;;) {
      const b = Buffer.allocUnsafe(1 << 20);
      const n = src.read(b, 0, b.length);
      if (n === 0) break;
      parts.push(b.subarray(0, n));
    }
    return Buffer.concat(parts);
  } finally {
    src.close();
  }
}

class PlainSource implements ByteSource {
  consumed = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}
  read(buf: Buffer, offset: number, length: number): number {
    const n = fs.readSync(this.fd, buf, offset, length, null);
    this.consumed += n;
    return n;
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}

class GunzipSource implements ByteSource {
  consumed = 0;
  // 256 KiB output chunks, not zlib's 16 KiB: reading a 200 MB history took half the time. minizlib
  // hands its options to node:zlib, but its types leave chunkSize out
  private readonly z = new Gunzip({ chunkSize: 256 << 10 } as ConstructorParameters<typeof Gunzip>[0]);
  /** inflated chunks not yet read, and how far into the first one */
  private readonly out: Buffer[] = [];
  private at = 0;
  private ended = false;
  private error: InputError | undefined;
  private readonly inBuf = Buffer.allocUnsafe(IN_CHUNK);
  constructor(
    file: string,
    private readonly fd: number,
    readonly size: number,
  ) {
    // minizlib emits both synchronously, inside write() and end()
    this.z.on('data', (c: Buffer) => this.out.push(c));
    this.z.on('error', (e: unknown) => {
      this.error ??= inputAt('history.badGzip', file, undefined, `not readable gzip data (${(e as Error).message.replace(/^zlib: /, '')})`);
    });
  }
  read(buf: Buffer, offset: number, length: number): number {
    while (this.out.length === 0 && !this.ended) this.pull();
    if (this.error) throw this.error;
    let n = 0;
    while (n < length && this.out.length > 0) {
      const c = this.out[0]!;
      const k = Math.min(length - n, c.length - this.at);
      c.copy(buf, offset + n, this.at, this.at + k);
      n += k;
      this.at += k;
      if (this.at === c.length) {
        this.out.shift();
        this.at = 0;
      }
    }
    return n;
  }
  private pull(): void {
    const n = fs.readSync(this.fd, this.inBuf, 0, this.inBuf.length, null);
    this.consumed += n;
    // a synchronous write inflates all of its input before it returns: inBuf can be reused
    if (n > 0) this.z.write(this.inBuf.subarray(0, n));
    else {
      this.ended = true;
      // a cut-short stream fails here ("unexpected end of file")
      this.z.end();
    }
    if (this.error) throw this.error;
  }
  close(): void {
    this.z.close();
    fs.closeSync(this.fd);
  }
}
