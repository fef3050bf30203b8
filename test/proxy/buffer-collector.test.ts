// The buffer collector frees dead read buffers once 4 MiB of them pile up, and stops when told.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startBufferCollector } from '../../proxy/buffer-collector.ts';

const MiB = 1024 * 1024;

/** Buffers outside the JS heap, as socket reads make them, dropped at once. */
function dropBuffers(count: number, size: number): void {
  for (let i = 0; i < count; i++) Buffer.allocUnsafeSlow(size).fill(i);
}

/** Waits for the ArrayBuffer sweep after a collection, which V8 may finish on another thread. */
async function arrayBuffersAfterSweep(): Promise<number> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  return process.memoryUsage().arrayBuffers;
}

describe('startBufferCollector', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('collects dead buffers once 4 MiB of them have appeared', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const stop = startBufferCollector();
    try {
      const before = process.memoryUsage().arrayBuffers;
      // 12 MiB of 64 KiB read-sized buffers: well under the ~32 MiB at which V8 collects them itself.
      dropBuffers(192, 64 * 1024);
      expect(process.memoryUsage().arrayBuffers - before).toBeGreaterThanOrEqual(12 * MiB);
      vi.advanceTimersByTime(250);
      expect(await arrayBuffersAfterSweep()).toBeLessThan(before + 4 * MiB);
    } finally {
      stop();
    }
  });

  it('leaves no timer behind once stopped', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const stop = startBufferCollector();
    expect(vi.getTimerCount()).toBe(1);
    stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
