// Sleeps that stop() can cut short: the capture and watchdog loops wait between attempts, and a
// run that ends must not wait out their pauses.
export class Naps {
  private readonly wakers = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  /** end every sleep now */
  wakeAll(): void {
    for (const w of this.wakers) w();
  }
}
