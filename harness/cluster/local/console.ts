// Watching a node's console file for marker lines (sshd up, READY) while its qemu may die or
// hang. The file is appended across boots, so every wait starts at a byte offset, and a match
// reports where its line ended, for the next wait to continue from there.
import * as fs from 'node:fs';

export interface WaitLineOptions {
  /** byte offset where the output to search starts */
  from: number;
  deadline: number;
  /** true when the VM process is gone: stop waiting */
  dead: () => boolean;
  signal?: AbortSignal;
  pollMs?: number;
}

export type WaitLineResult =
  | { kind: 'line'; line: string; mark: string; at: number; /** offset just after the line */ end: number }
  | { kind: 'timeout' }
  | { kind: 'dead' }
  | { kind: 'aborted' };

export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Wait for the first complete line containing any of `marks`. */
export async function waitForLine(file: string, marks: string | readonly string[], o: WaitLineOptions): Promise<WaitLineResult> {
  const wanted = typeof marks === 'string' ? [marks] : marks;
  let offset = o.from; // start of the first line not yet examined
  const poll = o.pollMs ?? 25;
  for (;;) {
    const size = fileSize(file);
    if (size > offset) {
      const buf = Buffer.alloc(size - offset);
      const fd = fs.openSync(file, 'r');
      try {
        fs.readSync(fd, buf, 0, buf.length, offset);
      } finally {
        fs.closeSync(fd);
      }
      let start = 0;
      for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, start)) {
        const line = buf.subarray(start, nl).toString('utf8').replace(/\r$/, '');
        start = nl + 1;
        const mark = wanted.find((m) => line.includes(m));
        if (mark) return { kind: 'line', line, mark, at: Date.now(), end: offset + start };
      }
      offset += start; // an incomplete last line is read again next time
    }
    if (o.signal?.aborted) return { kind: 'aborted' };
    if (o.dead()) {
      // a last look: the line may have been written just before the exit
      if (fileSize(file) > size) continue;
      return { kind: 'dead' };
    }
    if (Date.now() >= o.deadline) return { kind: 'timeout' };
    await new Promise((r) => setTimeout(r, poll));
  }
}
