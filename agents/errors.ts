// The one error class native code throws. It is defined here, in TypeScript, and handed to the
// binding at load time (binding.initialize(RdmaError)), so every failure from C++ arrives as an
// RdmaError whose `code` is a verbs status or errno name (IBV_WC_RETRY_EXC_ERR, ENOMEM, ...).
export class RdmaError extends Error {
  readonly code: string;
  /** for refused chained posts: how many WRs (a prefix) did reach the queue */
  posted?: number;
  constructor(message: string, code: string) {
    super(message);
    this.name = 'RdmaError';
    this.code = code;
  }
}

export function isRdmaError(e: unknown): e is RdmaError {
  return e instanceof RdmaError;
}

/**
 * Errors from async native work are created on another stack; re-attach the caller's so the
 * report points at the JS call site (sharp's `is.nativeError`).
 */
export function withCallSite<T>(p: Promise<T>, site: Error): Promise<T> {
  return p.catch((e: unknown) => {
    if (e instanceof Error && site.stack) {
      e.stack = `${e.name}: ${e.message}\n${site.stack.split('\n').slice(1).join('\n')}`;
    }
    throw e;
  });
}
