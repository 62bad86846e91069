// qemu's HMP monitor over its unix socket: `set_link dK off|on` is a cable pull the guest sees
// as carrier loss. One connection per command; qemu serves one monitor client at a time.
import * as net from 'node:net';
import { InputError } from '../../core';

const PROMPT = '(qemu) ';

/** Run one HMP command and return its output (without the echo and the prompt). */
export function hmp(sock: string, command: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(sock);
    let buf = '';
    let sent = false;
    const timer = setTimeout(() => {
      c.destroy();
      reject(new InputError('cluster.monitorTimeout', `${sock}: no answer to "${command}" within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    c.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const clean = stripTerminal(buf);
      if (!sent && clean.endsWith(PROMPT)) {
        sent = true;
        buf = '';
        c.write(command + '\n');
        return;
      }
      if (sent && clean.endsWith(PROMPT)) {
        clearTimeout(timer);
        c.end();
        const lines = clean.slice(0, -PROMPT.length).split(/\r?\n/);
        // the first line is qemu echoing the command back
        resolve(lines.slice(1).join('\n').trim());
      }
    });
    c.on('error', (e) => {
      clearTimeout(timer);
      reject(new InputError('cluster.monitorUnreachable', `${sock}: qemu monitor unreachable: ${e.message}`));
    });
  });
}

/** HMP talks to a terminal: drop escape sequences and carriage returns. */
function stripTerminal(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
}
