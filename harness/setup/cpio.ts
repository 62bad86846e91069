// A writer for the "newc" cpio format the kernel unpacks as initramfs. Writing it ourselves
// lets setup add device nodes (/dev/console) without root tricks and without the cpio tool.
export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Buffer; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(len: number): Buffer {
  return Buffer.alloc((4 - (len % 4)) % 4);
}

function header(ino: number, mode: number, size: number, name: string, rdev: [number, number] = [0, 0]): Buffer {
  const nameBytes = Buffer.from(name + '\0', 'utf8');
  const fields = [
    '070701',
    hex8(ino),
    hex8(mode),
    hex8(0), // uid
    hex8(0), // gid
    hex8(1), // nlink
    hex8(0), // mtime: fixed, so the same inputs give the same bytes
    hex8(size),
    hex8(0), // devmajor
    hex8(0), // devminor
    hex8(rdev[0]),
    hex8(rdev[1]),
    hex8(nameBytes.length),
    hex8(0), // check
  ].join('');
  const h = Buffer.concat([Buffer.from(fields, 'ascii'), nameBytes]);
  return Buffer.concat([h, pad4(h.length)]);
}

export function writeCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    switch (e.kind) {
      case 'dir':
        parts.push(header(ino++, S_IFDIR | (e.mode ?? 0o755), 0, name));
        break;
      case 'file':
        parts.push(header(ino++, S_IFREG | (e.mode ?? 0o644), e.data.length, name), e.data, pad4(e.data.length));
        break;
      case 'symlink': {
        const t = Buffer.from(e.target, 'utf8');
        parts.push(header(ino++, S_IFLNK | 0o777, t.length, name), t, pad4(t.length));
        break;
      }
      case 'chardev':
        parts.push(header(ino++, S_IFCHR | (e.mode ?? 0o600), 0, name, [e.major, e.minor]));
        break;
    }
  }
  parts.push(header(0, 0, 0, 'TRAILER!!!'));
  return Buffer.concat(parts);
}
