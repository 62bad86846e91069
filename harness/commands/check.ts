import type { CommandContext } from '../context';
import { InputError } from '../errors';

export async function checkCommand(_ctx: CommandContext, _files: string[], _opts: Record<string, unknown>): Promise<number> {
  throw new InputError('check.notReady', 'check is being written');
}
