// Extracting the ELF kernel from a bzImage-like blob: find the compressed payload by its magic
// (skipping false matches) and decompress it with xz, or gunzip.
import { spawnSync } from 'node:child_process';
import * as zlib from 'node:zlib';
import { extractVmlinux } from './kernel';

const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.from('kernel text '.repeat(5000))]);
const junk = (n: number): Buffer => Buffer.alloc(n, 0x90);

describe('extractVmlinux', () => {
  it('finds the XZ payload after the setup code and a stray magic, and returns the ELF', async () => {
    const xz = spawnSync('xz', ['-c', '--check=crc32'], { input: elf }).stdout;
    const stray = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]);
    const img = Buffer.concat([junk(4096), stray, junk(100), xz, junk(512)]);
    expect((await extractVmlinux(img)).equals(elf)).toBe(true);
  });

  it('handles a gzip payload', async () => {
    const img = Buffer.concat([junk(2048), zlib.gzipSync(elf), junk(64)]);
    expect((await extractVmlinux(img)).equals(elf)).toBe(true);
  });

  it('refuses an image without a compressed ELF', async () => {
    await expect(extractVmlinux(junk(10_000))).rejects.toMatchObject({ code: 'setup.vmlinux' });
  });
});
