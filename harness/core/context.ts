// What a command may touch of the outside world besides its own arguments: where to print,
// and where to leave its exit code. Tests pass their own to capture output in-process.
export interface Output {
  write(s: string): unknown;
  readonly isTTY?: boolean;
  /** a terminal's width (a tty stream has it, and it follows resizes) */
  readonly columns?: number;
}

export interface CommandContext {
  stdout: Output;
  stderr: Output;
  /** the verdict or status the command ended with; main.ts exits with it */
  exitCode: number;
  /** aborted on SIGINT/SIGTERM so long commands can clean up and return */
  signal: AbortSignal;
}
