// A one-file ustar archive as a stream, for Docker's putArchive (the only way to write a file
// into a container without a shell). Streams the file: uploads need not fit in memory.
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { InputError } from '../../core';

const BLOCK = 512;

/** The 512-byte ustar header for a regular file. */
export function tarHeader(name: string, size: number, mode: number, mtime: number): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 100 || name.includes('/')) {
    throw new InputError('cluster.uploadFailed', `file name "${name}" must be a single path component of at most 100 bytes`);
  }
  const h = Buffer.alloc(BLOCK);
  const octal = (value: number, off: number, len: number): void => {
    h.write(value.toString(8).padStart(len - 1, '0') + '\0', off, len, 'ascii');
  };
  nameBytes.copy(h, 0);
  octal(mode & 0o7777, 100, 8);
  octal(0, 108, 8); // uid root
  octal(0, 116, 8); // gid root
  octal(size, 124, 12);
  octal(Math.floor(mtime / 1000), 136, 12);
  h.write('        ', 148, 8, 'ascii'); // checksum counts as spaces while summing
  h.write('0', 156, 1, 'ascii'); // regular file
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** header, the file's bytes, padding to a block, and the two zero blocks that end an archive */
export function singleFileTar(localPath: string, name: string, mode: number): Readable {
  const st = fs.statSync(localPath);
  if (!st.isFile()) throw new InputError('cluster.uploadFailed', `${localPath} is not a regular file`);
  async function* blocks(): AsyncGenerator<Buffer> {
    yield tarHeader(name, st.size, mode, st.mtimeMs);
    let n = 0;
    for await (const chunk of fs.createReadStream(localPath)) {
      n += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (n !== st.size) throw new InputError('cluster.uploadFailed', `${localPath} changed size during the upload`);
    const pad = (BLOCK - (n % BLOCK)) % BLOCK;
    yield Buffer.alloc(pad + 2 * BLOCK);
  }
  return Readable.from(blocks(), { objectMode: false });
}
