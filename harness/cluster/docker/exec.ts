// Running an argument array in a container through the Docker API: a hijacked exec stream,
// stdout and stderr split by demuxStream, the exit code from exec.inspect(). Every exec
// carries the kill tag in its environment, so a timeout can kill its whole process tree.
import type { Duplex } from 'node:stream';
import { PassThrough, Writable } from 'node:stream';
import type Dockerode from 'dockerode';
import { InputError } from '../../core';
import type { ExecOptions, ExecResult, RemoteProcess } from '../../core';
import { EXEC_TAG_VAR, killTaggedArgv, newExecTag, OutputCollector } from '../remote';

interface Started {
  exec: Dockerode.Exec;
  stream: Duplex;
  tag: string;
}

/** Docker API failures as the one-line errors users get: which node, what state. */
export function dockerError(node: string, e: unknown): InputError {
  const err = e as { statusCode?: number; code?: string; json?: { message?: string }; message?: string };
  const msg = err.json?.message ?? err.message ?? String(e);
  if (err.statusCode === 404) return new InputError('cluster.unknownNode', `node ${node}: container not found: ${msg}`);
  if (err.statusCode === 409) return new InputError('cluster.nodeDown', `node ${node}: container is not running: ${msg}`);
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT' || err.code === 'ECONNRESET') {
    return new InputError('cluster.unreachable', `node ${node}: docker host unreachable: ${msg}`);
  }
  return new InputError('cluster.dockerFailed', `node ${node}: docker: ${msg}`);
}

async function start(node: string, container: Dockerode.Container, argv: string[], stdin: boolean): Promise<Started> {
  const tag = newExecTag();
  try {
    return await startTagged(container, argv, stdin, tag);
  } catch (e: unknown) {
    throw dockerError(node, e);
  }
}

async function startTagged(container: Dockerode.Container, argv: string[], stdin: boolean, tag: string): Promise<Started> {
  const exec = await container.exec({
    Cmd: argv,
    AttachStdin: stdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    Env: [`${EXEC_TAG_VAR}=${tag}`],
  });
  const stream = await exec.start({ hijack: true, stdin });
  return { exec, stream, tag };
}

/** A Writable that hands each chunk to `fn` (demuxStream writes into Writables). */
function sink(fn: (b: Buffer) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      fn(chunk);
      cb();
    },
  });
}

/** Exit code once the exec has ended; Docker may lag the stream's end by a moment. */
async function exitCode(exec: Dockerode.Exec): Promise<number | null> {
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running) return info.ExitCode ?? null;
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}

function ended(stream: Duplex): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
  });
}

export async function dockerExec(
  docker: Dockerode,
  node: string,
  container: Dockerode.Container,
  argv: string[],
  opts: ExecOptions,
): Promise<ExecResult> {
  const withStdin = opts.stdin !== undefined;
  const { exec, stream, tag } = await start(node, container, argv, withStdin);
  const out = new OutputCollector(opts.onStdout, opts.onStderr);
  const done = ended(stream);
  docker.modem.demuxStream(stream, sink(out.stdout), sink(out.stderr));
  let killed = false;
  const kill = (): void => {
    if (killed) return;
    killed = true;
    void killInContainer(docker, node, container, tag).finally(() => stream.destroy());
  };
  const timer = opts.timeoutMs ? setTimeout(kill, opts.timeoutMs) : undefined;
  opts.signal?.addEventListener('abort', kill, { once: true });
  if (opts.signal?.aborted) kill();
  // ending our half of the connection is what closes the process's stdin
  if (withStdin) stream.end(opts.stdin);
  try {
    await done;
    if (killed) return out.result(null, 'SIGKILL');
    return out.result(await exitCode(exec));
  } finally {
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', kill);
  }
}

async function killInContainer(docker: Dockerode, node: string, container: Dockerode.Container, tag: string): Promise<void> {
  try {
    await dockerExec(docker, node, container, killTaggedArgv(tag), { timeoutMs: 15_000 });
  } catch {
    /* the container may be gone; the caller reports the timeout */
  }
}

export async function dockerSpawn(
  docker: Dockerode,
  node: string,
  container: Dockerode.Container,
  argv: string[],
): Promise<RemoteProcess> {
  const { exec, stream } = await start(node, container, argv, true);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  docker.modem.demuxStream(stream, stdout, stderr);
  let detached = false;
  const exited = ended(stream).then(async (): Promise<ExecResult> => {
    stdout.end();
    stderr.end();
    const code = detached ? null : await exitCode(exec).catch(() => null);
    return { code, stdout: '', stderr: '' };
  });
  const stdin = new Writable({
    write(chunk: Buffer, _enc, cb) {
      stream.write(chunk, cb);
    },
    final(cb) {
      stream.end();
      cb();
    },
  });
  return {
    stdin,
    stdout,
    stderr,
    exited,
    detach: () => {
      detached = true;
      stream.end(); // half-close: dockerd closes the process's stdin
      stream.destroy();
    },
  };
}

export function noContainer(node: string, cluster: string, known: string[]): InputError {
  return new InputError('cluster.unknownNode', `docker cluster "${cluster}" has no node "${node}" (nodes: ${known.join(', ') || 'none'})`);
}
