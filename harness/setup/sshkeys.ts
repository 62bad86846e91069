// SSH keys for the local cluster: one client key the controller logs in with, one host key
// every node's sshd presents. The controller pins that host key (ssh2 hostVerifier), so a
// stray sshd on a forwarded port is refused rather than trusted.
import * as fs from 'node:fs';
import { utils } from 'ssh2';
import type { CachePaths } from './paths';

export function sshKeysPresent(paths: CachePaths): boolean {
  return [paths.clientKey, paths.clientPub, paths.hostKey, paths.hostPub].every((f) => fs.existsSync(f));
}

/** Generate missing keys (ed25519, OpenSSH format). Returns true when something was written. */
export function ensureSshKeys(paths: CachePaths): boolean {
  if (sshKeysPresent(paths)) return false;
  fs.mkdirSync(paths.sshDir, { recursive: true, mode: 0o700 });
  const pairs: [string, string, string][] = [
    [paths.clientKey, paths.clientPub, 'rdma-chaos-controller'],
    [paths.hostKey, paths.hostPub, 'rdma-chaos-node'],
  ];
  for (const [priv, pub, comment] of pairs) {
    if (fs.existsSync(priv) && fs.existsSync(pub)) continue;
    const k = utils.generateKeyPairSync('ed25519', { comment });
    fs.writeFileSync(priv, k.private, { mode: 0o600 });
    fs.writeFileSync(pub, k.public + '\n', { mode: 0o644 });
  }
  return true;
}

/** The host key blob (SSH wire format) that ssh2's hostVerifier receives. */
export function pinnedHostKey(paths: CachePaths): Buffer {
  const fields = fs.readFileSync(paths.hostPub, 'utf8').trim().split(/\s+/);
  return Buffer.from(fields[1] ?? '', 'base64');
}
