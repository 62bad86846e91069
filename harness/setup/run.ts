// Running host tools (apt-get, dpkg, depmod, xz) with argument arrays: no shell, no quoting.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: Buffer;
  /** forward output lines as they come (apt-get is slow; the user wants to see it move) */
  onOutput?: (chunk: string) => void;
}

export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runBuffer(argv, opts).then((r) => ({ code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr }));
}

export function runBuffer(
  argv: readonly string[],
  opts: RunOptions = {},
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (cmd === undefined) throw new Error('run: empty argv');
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => {
      out.push(b);
      opts.onOutput?.(b.toString('utf8'));
    });
    child.stderr?.on('data', (b: Buffer) => {
      err.push(b);
      opts.onOutput?.(b.toString('utf8'));
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }),
    );
    if (opts.input && child.stdin) {
      child.stdin.on('error', () => undefined); // the tool may exit before reading everything
      child.stdin.end(opts.input);
    }
  });
}

/** Resolve a program name through PATH (or accept an absolute path); undefined when absent. */
export function which(program: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const isExe = (p: string): boolean => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (program.includes('/')) return isExe(program) ? program : undefined;
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const p = `${dir}/${program}`;
    if (isExe(p)) return p;
  }
  return undefined;
}
