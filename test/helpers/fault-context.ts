// A StreamContext for driving one TCP fault directly, on a virtual clock (no sockets, no timers).
import { vi } from 'vitest';
import type { StreamContext, StreamEnd } from '../../proxy/faults/tcp/contract.ts';
import { Rng } from '../../proxy/rng.ts';
import type { Timers } from '../../proxy/timers.ts';

export function fakeContext(seed = 1) {
  let clock = 0;
  const sleeps: number[] = [];
  const pushed: { at: number; chunk: Buffer }[] = [];
  const finished: Exclude<StreamEnd, 'fin'>[] = [];
  // performance.now() is what the time-based faults read; it follows the virtual clock.
  const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
  const timers = {
    sleep: async (ms: number) => {
      sleeps.push(ms);
      clock += ms;
    },
    after: () => undefined,
    cancel: () => {},
    isDisposed: false,
    dispose: () => {},
  } as unknown as Timers;
  const ctx: StreamContext = {
    rng: new Rng(seed),
    timers,
    out: {
      push: (chunk) => void pushed.push({ at: clock, chunk }),
      finish: (how) => void finished.push(how),
    },
    discard: () => {},
    note: () => {},
  };
  return { ctx, sleeps, pushed, finished, restore: () => now.mockRestore(), get clock() { return clock; } };
}
