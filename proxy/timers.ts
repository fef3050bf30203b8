// Owner of a link's timers: every timeout it hands out is cleared when the owner is disposed.

export class Timers {
  private readonly live = new Set<NodeJS.Timeout>();
  private disposed = false;

  /** Run `fn` after `ms`; returns a handle for `cancel`. Does nothing once disposed. */
  after(ms: number, fn: () => void): NodeJS.Timeout | undefined {
    if (this.disposed) return undefined;
    const handle = setTimeout(() => {
      this.live.delete(handle);
      fn();
    }, Math.max(0, ms));
    this.live.add(handle);
    return handle;
  }

  cancel(handle: NodeJS.Timeout | undefined): void {
    if (handle === undefined) return;
    clearTimeout(handle);
    this.live.delete(handle);
  }

  /** Resolves after `ms`; never resolves once disposed, so a torn-down stage simply stops. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.after(ms, resolve);
    });
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    this.disposed = true;
    for (const handle of this.live) clearTimeout(handle);
    this.live.clear();
  }
}
