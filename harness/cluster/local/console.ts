// Watching a node's console file for a line (the READY mark) while its qemu may die or hang.
import * as fs from 'node:fs';

export interface WaitLineOptions {
  /** byte offset where this boot's output starts (the file is appended across boots) */
  from: number;
  deadline: number;
  /** true when the VM process is gone: stop waiting */
  dead: () => boolean;
  signal?: AbortSignal;
  pollMs?: number;
}

export type WaitLineResult = { kind: 'line'; line: string; at: number } | { kind: 'timeout' } | { kind: 'dead' } | { kind: 'aborted' };

export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

export async function waitForLine(file: string, mark: string, o: WaitLineOptions): Promise<WaitLineResult> {
  let offset = o.from;
  let partial = '';
  const poll = o.pollMs ?? 25;
  for (;;) {
    const size = fileSize(file);
    if (size > offset) {
      const fd = fs.openSync(file, 'r');
      try {
        const buf = Buffer.alloc(size - offset);
        fs.readSync(fd, buf, 0, buf.length, offset);
        offset = size;
        const text = partial + buf.toString('utf8');
        const lines = text.split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) if (l.includes(mark)) return { kind: 'line', line: l.replace(/\r$/, ''), at: Date.now() };
      } finally {
        fs.closeSync(fd);
      }
    }
    if (o.signal?.aborted) return { kind: 'aborted' };
    if (o.dead()) {
      // a last look: the line may have been written just before the exit
      if (fileSize(file) > offset) continue;
      return { kind: 'dead' };
    }
    if (Date.now() >= o.deadline) return { kind: 'timeout' };
    await new Promise((r) => setTimeout(r, poll));
  }
}
