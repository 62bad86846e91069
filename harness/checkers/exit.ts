import { ExitCode } from '../core';
import type { Verdict } from './types';

export function verdictExit(v: Verdict): number {
  return v === 'valid' ? ExitCode.valid : v === 'invalid' ? ExitCode.invalid : ExitCode.unknown;
}
