// Time for reliable UDP: the real clock, or a virtual one that tests and simulations advance instantly.

/** What a connection and the lossy channel need of time. Handles are opaque to callers. */
export interface Clock {
  /** Milliseconds, monotonic, fractional allowed. */
  now(): number;
  /** Run `fn` after `ms` (0: as soon as the current work is done). */
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
}

interface RealHandle {
  immediate?: NodeJS.Immediate;
  timeout?: NodeJS.Timeout;
}

/** Wall-clock time; a zero delay runs on setImmediate rather than a (≥1 ms) timeout. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fn): RealHandle {
    // Rounded up: a timer that fires before its deadline would find nothing due and have to re-arm.
    return ms <= 0 ? { immediate: setImmediate(fn) } : { timeout: setTimeout(fn, Math.ceil(ms)) };
  },
  clearTimer(handle) {
    const h = handle as RealHandle;
    if (h.immediate) clearImmediate(h.immediate);
    if (h.timeout) clearTimeout(h.timeout);
  },
};

interface VirtualTimer {
  at: number;
  order: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * Time that moves only when told to: `run()` jumps from event to event, so a simulated minute of lossy
 * traffic takes only the CPU time its events need, and the same inputs give the same run every time.
 */
export class VirtualClock implements Clock {
  private time = 0;
  private order = 0;
  /** Binary min-heap on (at, order): equal times run in the order they were scheduled. */
  private readonly heap: VirtualTimer[] = [];
  private live = 0;

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): unknown {
    const timer: VirtualTimer = { at: this.time + Math.max(0, ms), order: this.order++, fn, cancelled: false };
    this.heapPush(timer);
    this.live++;
    return timer;
  }

  clearTimer(handle: unknown): void {
    const timer = handle as VirtualTimer;
    if (!timer.cancelled) {
      timer.cancelled = true;
      this.live--;
    }
  }

  /** Timers scheduled and not yet run or cleared. */
  get pending(): number {
    return this.live;
  }

  /** Run the earliest timer, moving time to it. False when none is left. */
  step(): boolean {
    for (;;) {
      const timer = this.heapPop();
      if (timer === undefined) return false;
      if (timer.cancelled) continue;
      timer.cancelled = true;
      this.live--;
      this.time = timer.at;
      timer.fn();
      return true;
    }
  }

  /** Run timers until `done()` holds, none is left, or time passes `limitMs` from now. Returns `done()`. */
  run(done: () => boolean = () => false, limitMs = Number.POSITIVE_INFINITY): boolean {
    const until = this.time + limitMs;
    while (!done()) {
      const next = this.peekLive();
      if (next === undefined || next.at > until) return done();
      this.step();
    }
    return true;
  }

  /** Move time forward by `ms`, running every timer due on the way. */
  advance(ms: number): void {
    const until = this.time + ms;
    this.run(() => false, ms);
    this.time = until;
  }

  private peekLive(): VirtualTimer | undefined {
    while (this.heap.length > 0 && (this.heap[0] as VirtualTimer).cancelled) this.heapPop();
    return this.heap[0];
  }

  private heapPush(timer: VirtualTimer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, heap[parent] as VirtualTimer)) break;
      heap[i] = heap[parent] as VirtualTimer;
      i = parent;
    }
    heap[i] = timer;
  }

  private heapPop(): VirtualTimer | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as VirtualTimer, heap[left] as VirtualTimer) ? right : left;
      if (!before(heap[child] as VirtualTimer, last)) break;
      heap[i] = heap[child] as VirtualTimer;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}
