// A NodeDriver whose "nodes" are this host: commands run as local child processes. Only for the
// fast unit tests of the RPC and lease logic (with RDMA_BINDING=fake); real tests use a cluster.
import { spawn } from 'node:child_process';
import { copyFile, chmod, mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { ExecOptions, ExecResult, NodeDriver, NodeInfo, RemoteProcess } from '../../harness/core';

export class ProcessDriver implements NodeDriver {
  readonly kind = 'local' as const;
  /** pids of every process spawned, for cleanup checks */
  readonly spawned: number[] = [];

  constructor(private readonly nodes: string[]) {}

  async list(): Promise<NodeInfo[]> {
    return this.nodes.map((name) => ({ name, endpoint: 'localhost', rails: [], state: 'ready' as const }));
  }

  exec(_node: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve) => {
      const p = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = opts.timeoutMs ? setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs) : undefined;
      p.on('error', (e) => resolve({ code: 127, stdout, stderr: e.message }));
      p.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        resolve({ code, ...(signal ? { signal } : {}), stdout, stderr });
      });
      p.stdin.on('error', () => undefined); // a command that ignores stdin may exit first
      p.stdin.end(opts.stdin ?? '');
    });
  }

  async spawn(_node: string, argv: string[]): Promise<RemoteProcess> {
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    if (p.pid) this.spawned.push(p.pid);
    const exited = new Promise<ExecResult>((resolve) =>
      p.on('close', (code, signal) => resolve({ code, ...(signal ? { signal } : {}), stdout: '', stderr: '' })),
    );
    return {
      stdin: p.stdin,
      stdout: p.stdout,
      stderr: p.stderr,
      exited,
      detach: () => {
        p.stdin.destroy();
        p.stdout.destroy();
        p.stderr.destroy();
      },
    };
  }

  async upload(_node: string, localPath: string, remotePath: string, mode = 0o644): Promise<void> {
    await mkdir(path.dirname(remotePath), { recursive: true });
    await copyFile(localPath, remotePath);
    await chmod(remotePath, mode);
  }

  async pullCable(): Promise<void> {
    throw new Error('ProcessDriver has no cables');
  }

  async restoreCable(): Promise<void> {
    throw new Error('ProcessDriver has no cables');
  }

  async close(): Promise<void> {}
}
