// CompletionQueue: completions either polled, or delivered by libuv watching the completion
// channel (event mode), which never blocks or spins the event loop.
import type { NativeCompletion, NativeCq } from './native';
import { checkFunction, checkInt } from './validate';

export type Completion = NativeCompletion;

export class CompletionQueue {
  /** @internal */
  readonly native: NativeCq;
  private listener: ((wcs: Completion[]) => void) | undefined;

  constructor(native: NativeCq) {
    this.native = native;
  }

  poll(max = 16): Completion[] {
    checkInt('max', max, 1, 4096);
    return this.native.poll(max);
  }

  /** Start event mode: `cb` gets every batch of completions as libuv sees the channel fire. */
  onCompletions(cb: (wcs: Completion[]) => void): void {
    checkFunction('callback', cb);
    if (this.listener) throw new TypeError('onCompletions: a listener is already registered (call stop() first)');
    this.listener = cb;
    this.native.startEvents(cb);
  }

  get eventMode(): boolean {
    return this.listener !== undefined;
  }

  stop(): void {
    this.listener = undefined;
    this.native.stopEvents();
  }

  close(): void {
    this.listener = undefined;
    this.native.close();
  }
}
