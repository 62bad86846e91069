// Every error the CLI can end with carries a stable `code` (tests assert it) and the exit
// code it maps to. Only harness/main.ts turns these into a process exit.

/** Jepsen's convention, used for every command. */
export const ExitCode = {
  valid: 0,
  invalid: 1,
  unknown: 2,
  badInput: 254,
  internal: 255,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class ChaosError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  constructor(code: string, message: string, exitCode: ExitCodeValue) {
    // the CLI prints it as one line: whatever it quotes (a key, a path, a library's message)
    super(oneLine(message));
    this.name = 'ChaosError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Bad input, arguments or environment: the user can fix it. One line, no stack. */
export class InputError extends ChaosError {
  constructor(code: string, message: string) {
    super(code, message, ExitCode.badInput);
    this.name = 'InputError';
  }
}

/**
 * The testbed broke under us (a dropped connection, a hung or lost node): not the user's input,
 * and not a verdict about the system under test, so it ends as unknown (2).
 */
export class InfraError extends ChaosError {
  constructor(code: string, message: string) {
    super(code, message, ExitCode.unknown);
    this.name = 'InfraError';
  }
}

/** A bug in rdma-chaos itself. */
export class InternalError extends ChaosError {
  constructor(code: string, message: string) {
    super(code, message, ExitCode.internal);
    this.name = 'InternalError';
  }
}

/** `file:line: what is wrong`, the one format for every malformed-input message. */
export function inputAt(code: string, file: string, line: number | undefined, what: string): InputError {
  const where = line === undefined ? file : `${file}:${line}`;
  return new InputError(code, `${where}: ${what}`);
}

/**
 * Every ChaosError's message passes here. A message quotes the user's bytes (a key, a token, a line); a newline or CR among them would
 * break the one-line rule and let a file forge lines in a log, so control characters are escaped,
 * and a quote of a megabyte line is cut in the middle (the head says where, the tail says what).
 */
export function oneLine(message: string): string {
  const m = message.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => (c === '\t' ? ' ' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return m.length <= MAX_MESSAGE ? m : `${m.slice(0, 600)} … ${m.slice(-300)}`;
}
const MAX_MESSAGE = 1000;

export function isChaosError(e: unknown): e is ChaosError {
  return e instanceof ChaosError;
}
