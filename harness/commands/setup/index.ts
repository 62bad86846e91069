// `rdma-chaos setup [--check] [--json]`
import type { CommandContext } from '../../core';
import { ExitCode } from '../../core';
import { cachePaths, checkSetup, runSetup } from '../../setup';

export interface SetupCommandOptions {
  check?: boolean;
  json?: boolean;
  verbose?: boolean;
}

export async function setupCommand(ctx: CommandContext, opts: SetupCommandOptions): Promise<number> {
  const paths = cachePaths();
  if (!opts.check) {
    await runSetup({
      paths,
      log: (l) => ctx.stderr.write(`setup: ${l}\n`),
      onOutput: opts.verbose ? (s) => ctx.stderr.write(s) : undefined,
    });
  }
  const items = await checkSetup(paths);
  const ok = items.every((i) => i.ok);
  if (opts.json) {
    ctx.stdout.write(JSON.stringify({ ok, cache: paths.root, items }) + '\n');
  } else {
    for (const i of items) {
      ctx.stdout.write(`${i.ok ? 'ok     ' : 'MISSING'}  ${i.name}: ${i.detail}\n`);
      if (!i.ok && i.fix) ctx.stdout.write(`         fix: ${i.fix}\n`);
    }
    ctx.stdout.write(ok ? `ready: the local cluster can run (cache ${paths.root})\n` : 'not ready: see MISSING above\n');
  }
  // Something missing is a problem with the environment, which the user fixes: 254.
  return ok ? ExitCode.valid : ExitCode.badInput;
}
