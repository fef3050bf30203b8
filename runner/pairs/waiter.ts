// One pending "wait for more input" at a time, with an optional silence timeout.

export class ReadTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`no data for ${ms} ms`);
  }
}

export class Waiter {
  private wake: (() => void) | undefined;

  /** Resolves at the next notify(); rejects with ReadTimeoutError after `timeoutMs` (0 = never). */
  wait(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.wake = undefined;
              reject(new ReadTimeoutError(timeoutMs));
            }, timeoutMs)
          : undefined;
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}
